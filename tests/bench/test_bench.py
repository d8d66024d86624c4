"""`make bench`: search latency per query class at two sizes on each database.

Environment (all optional):
    BENCH_DATABASES   sqlite,postgresql          which engines to measure
    BENCH_SQLITE_SIZES  10000,100000             organisations per SQLite run
    BENCH_PG_SIZES      100000,1000000           organisations per PostgreSQL run
    BENCH_PG_URL      postgres://postgres@127.0.0.1:5432   server for the PG runs
    BENCH_DIR         var/bench                  SQLite files and results.json
    BENCH_QUERIES     100                        queries per class
    BENCH_WARM_UP     1                          warm up on other queries (0: cold)
    BENCH_IN_MEMORY   auto                       1: read the database into memory
                                                 before the warm-up and each class;
                                                 0: never; auto: where the kernel
                                                 runs DAMON reclaim
A quick run: BENCH_SQLITE_SIZES=1000,10000 BENCH_DATABASES=sqlite make bench
Databases are generated once per size and reused while they hold that size.
"""

import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.bench.measure import DAMON_ADMIN, damon_reclaims

ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = Path(os.environ.get("BENCH_DIR", ROOT / "var" / "bench"))


def sizes(name, default):
    return [int(s) for s in os.environ.get(name, default).split(",") if s.strip()]


def database_url(vendor, size):
    if vendor == "sqlite":
        return f"sqlite:///{BENCH_DIR / f'bench-{size}.sqlite3'}"
    base = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
    name = f"coopdir_bench_{size}"
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def checkpoint():
    """Ask the PostgreSQL server to flush the writes of earlier work (a test
    suite, generating a directory) now, so that its checkpointer does not write
    them out while the runs read, SQLite's included. No server: nothing to do."""
    base = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
    try:
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute("CHECKPOINT")
    except Exception as error:  # unreachable, or not a superuser
        print(f"no CHECKPOINT before measuring: {error}")


def measure(vendor, size):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(vendor, size),
        "DJANGO_SETTINGS_MODULE": "coopdir.test_settings",
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.measure", str(size)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine():
    def run(command):
        try:
            return subprocess.run(
                command, shell=True, capture_output=True, text=True, check=False
            ).stdout.strip()
        except OSError:
            return ""

    cpu = run("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": run("nproc"),
        "cpu": cpu or platform.processor(),
        "memory": run("free -h | awk '/Mem:/ {print $2}'"),
        "python": platform.python_version(),
        # DAMON reclaim pages out file pages not read for a while (see measure.py)
        "damon_kdamonds": run(f"cat {DAMON_ADMIN}/nr_kdamonds") or "none",
        "damon_reclaim": damon_reclaims(),
    }


def held(run):
    done = run.get("held_in_memory")
    if not done:
        return "caches as the machine left them"
    if done[0] is None:
        return f"not held in memory ({done[1]})"
    return (
        f"read into memory before the warm-up and each class: "
        f"{done[0] / 2**20:,.0f} MB, first in {done[1]:.1f} s"
    )


def table(runs):
    lines = []
    for vendor in dict.fromkeys(run["vendor"] for run in runs):
        own = [run for run in runs if run["vendor"] == vendor]
        header = " | ".join(f"{run['size']:,}: p50 / p95 ms" for run in own)
        memory = "; ".join(f"{run['size']:,}: {held(run)}" for run in own)
        loops = ", ".join(
            f"{run['size']:,}: "
            + " / ".join(f"{ms:.0f}" for ms in run["calibration_ms"])
            for run in own
            if run.get("calibration_ms")
        )
        steal = ", ".join(
            f"{run['size']:,}: {run['steal']:.1%}"
            for run in own
            if run.get("steal") is not None
        )
        growth = " | growth p95" if len(own) > 1 else ""
        lines += [
            f"\n{vendor} (generated data; matches = median result count; "
            f"load average after each run: "
            f"{', '.join(str(run.get('load_average_after')) for run in own)}; "
            f"{memory}; CPU time taken by the host (steal) while measuring: "
            f"{steal or 'unknown'}; a fixed Python loop took "
            f"{loops or 'unknown'} ms before / after, lower is faster)\n",
            f"| query class | {header}{growth} | matches |",
            "|---" * (len(own) + 2 + (1 if growth else 0)) + "|",
        ]
        for name in own[0]["results"]:
            cells, p95s = [], []
            for run in own:
                result = run["results"].get(name, {})
                if result.get("p50") is None:
                    cells.append("–")
                    continue
                cell = f"{result['p50']:.1f} / {result['p95']:.1f}"
                if result.get("cpu_p50") is not None and vendor == "sqlite":
                    cell += f" (cpu {result['cpu_p50']:.1f} / {result['cpu_p95']:.1f})"
                cells.append(cell)
                p95s.append(result["p95"])
            grow = ""
            if growth:
                grow = (
                    f" | ×{p95s[-1] / p95s[0]:.2f}"
                    if len(p95s) == len(own) and p95s[0]
                    else " | –"
                )
            matches = " / ".join(
                str(int(run["results"].get(name, {}).get("median_matches") or 0))
                for run in own
            )
            lines.append(f"| {name} | {' | '.join(cells)}{grow} | {matches} |")
    return "\n".join(lines)


@pytest.mark.skipif(
    os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith("never"), reason="manual"
)
def test_search_latency():
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    vendors = os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",")
    runs = []
    checkpoint()
    for vendor in vendors:
        vendor = vendor.strip()
        default = "10000,100000" if vendor == "sqlite" else "100000,1000000"
        env_name = "BENCH_SQLITE_SIZES" if vendor == "sqlite" else "BENCH_PG_SIZES"
        for size in sizes(env_name, default):
            print(f"\n{vendor} {size:,} organisations …", flush=True)
            try:
                runs.append(measure(vendor, size))
            except ImportError as error:
                print(f"skipped: {error}")
            except Exception as error:
                if vendor != "postgresql" or "connect" not in str(error).lower():
                    raise
                print(f"PostgreSQL not reachable, skipped: {error}")
                break
    report = {"machine": machine(), "runs": runs}
    (BENCH_DIR / "results.json").write_text(json.dumps(report, indent=2))
    print("\n" + json.dumps(report["machine"]))
    print(table(runs))
    assert runs
