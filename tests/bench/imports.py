"""Time the SSE file's import through the admin, as staff run it.

    python -m tests.bench.imports          -> prints the timings and one JSON line

On a fresh database (DATABASE_URL; by default a new SQLite file under var/bench/)
migrated with the seed loaded, a publisher posts the file to the organisations'
import page (the dry run), then confirms it (the apply), then does both again with
the same file (nothing changes). Each step is one request to the admin views, so
the time is what the person waits for: reading the file, the import itself, its
history and search index upkeep, and the page.
"""

import json
import os
import re
import sys
import time
from pathlib import Path

import django
import tablib

ROOT = Path(__file__).resolve().parents[2]
# ../shared/data beside the clone (or beside the folder of worktrees it is in).
SSE_FILE = Path(
    os.environ.get("BENCH_SSE_FILE")
    or next(
        (
            found
            for parent in ROOT.parents
            if (
                found := parent / "shared" / "data" / "sse-initiatives-europe.csv"
            ).exists()
        ),
        ROOT.parent / "shared" / "data" / "sse-initiatives-europe.csv",
    )
)
BENCH_DIR = Path(os.environ.get("BENCH_DIR", ROOT / "var" / "bench"))
# Issue #18: what the person may wait for, in seconds.
TARGETS = {"dry run": 10, "apply": 20}
CPU = {}  # step -> CPU seconds of this process (the machine may be shared)


def setup():
    """Point Django at a fresh database, migrated, with the seed and a publisher."""
    if "DATABASE_URL" not in os.environ:
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        path = BENCH_DIR / "import.sqlite3"
        for stale in BENCH_DIR.glob("import.sqlite3*"):
            stale.unlink()
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coopdir.test_settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("STAFF_OTP", "0")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth.models import Group, User

    from organisations.models import Organisation

    if Organisation.objects.exists():
        sys.exit("DATABASE_URL must name an empty database")
    call_command("load_seed", verbosity=0)

    user = User.objects.create_user("bench-publisher", is_staff=True)
    user.groups.add(Group.objects.get(name="Publishers"))
    return user


def post(client, url, data, step):
    profile = None
    if os.environ.get("BENCH_PROFILE"):  # cProfile each step into var/bench/
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    started, cpu = time.perf_counter(), time.process_time()
    response = client.post(url, data, follow=True)
    seconds = time.perf_counter() - started
    CPU[step] = time.process_time() - cpu
    if profile is not None:
        profile.disable()
        profile.dump_stats(BENCH_DIR / f"import-{step}.prof")
    if response.status_code not in (200, 302):
        sys.exit(f"{url} answered {response.status_code}")
    return response, seconds


def run_import(client, content, name):
    """Return (dry run seconds, apply seconds, dry run summary, apply message).

    Both steps are jobs; the test settings' immediate backend runs each inside the
    request that starts it, so a step's time is the job's work plus the page.
    """
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from jobs.models import Job

    page, dry = post(
        client,
        reverse("admin:organisations_organisation_import"),
        {
            "resource": "0",
            "format": "0",
            "import_file": SimpleUploadedFile("sse.csv", content),
        },
        f"{name}-dry-run",
    )
    text = page.content.decode()
    summary = re.search(r"Dry run: [^<]*", text)
    job = Job.objects.filter(kind=Job.Kind.DRY_RUN).latest("pk")
    apply_url = reverse("admin:jobs_job_apply", args=[job.pk])
    if job.state != "done" or f'action="{apply_url}"' not in text:
        sys.exit(
            "the dry run offered nothing to apply: " + (summary or [text[:500]])[0]
        )
    done, applied = post(
        client,
        apply_url,
        {"skip_rejected": "on"},
        f"{name}-apply",
    )
    said = re.findall(r'<li class="[^"]*success[^"]*">([^<]*)', done.content.decode())
    return dry, applied, summary[0] if summary else "", said


def main():
    user = setup()
    from django.db import connection
    from django.test import Client

    from organisations.models import Organisation

    client = Client()
    client.force_login(user)
    content = SSE_FILE.read_bytes()
    before = Organisation.objects.count()
    first = run_import(client, content, "first")
    created = Organisation.objects.count() - before
    again = run_import(client, content, "again")
    report = {
        "database": connection.vendor,
        "rows": len(tablib.Dataset().load(content.decode("utf-8-sig"), format="csv")),
        "dry_run_s": round(first[0], 2),
        "apply_s": round(first[1], 2),
        "created": created,
        "dry_run": first[2],
        "messages": first[3],
        "again_dry_run_s": round(again[0], 2),
        "again_apply_s": round(again[1], 2),
        "again_dry_run": again[2],
    }
    report["cpu_s"] = {step: round(seconds, 2) for step, seconds in CPU.items()}
    print(
        f"SSE import ({report['database']}): dry run {first[0]:.1f} s, apply "
        f"{first[1]:.1f} s (targets {TARGETS['dry run']} / {TARGETS['apply']} s); "
        f"the same file again: dry run {again[0]:.1f} s, apply {again[1]:.1f} s. "
        "CPU time of this process: "
        + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in CPU.items())
    )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
