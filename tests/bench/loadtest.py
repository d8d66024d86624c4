"""`make loadtest`: the production server under a realistic mix of clients.

Starts gunicorn with the project's gunicorn.conf.py (DEBUG off, a key made for the
run) on 127.0.0.1 over a generated directory, drives it with a weighted mix of
public pages and API calls at several concurrency levels, then the same server
settings serving the WSGI "hello" app (tests/bench/hello.py), and prints per
endpoint class requests per second, p50/p95/p99 ms, errors and 5xx, with the
ratio to hello's requests per second, then the issue #17 targets met or not.

The server runs with RATELIMIT_ENABLE=0: the load comes from one address, which
the page rate limit and the API throttles would otherwise refuse after a minute's
allowance (README, "Settings"). SECURE_SSL_REDIRECT=0 because it is plain HTTP on
127.0.0.1, and LOCAL_ENV_FILE="" so a checkout's var/local.env is never read.

    python -m tests.bench.loadtest

Environment (all optional):
    LOADTEST_SIZE           100000   organisations generated (with size // 50
                                     mechanisms, seed 1), cached in BENCH_DIR as
                                     bench-<size>.sqlite3 (the bench's own files)
    LOADTEST_CLIENTS        4,16,64  concurrent clients, one level after another
    LOADTEST_SECONDS        60       seconds of the mix at the most clients
    LOADTEST_SHORT_SECONDS  20       seconds of the mix at the other levels, and of
                                     the cached-pages and hello runs at every level
                                     (never more than LOADTEST_SECONDS)
    LOADTEST_MAX_REQUESTS   1000000  requests at most per run, whatever the time
    GUNICORN_WORKERS, GUNICORN_THREADS   as gunicorn.conf.py reads them
    BENCH_DIR               var/bench
Quick check: LOADTEST_SIZE=2000 LOADTEST_SECONDS=5 make loadtest

Only 127.0.0.1 is requested. Every run stops by itself: at its deadline or after
LOADTEST_MAX_REQUESTS, and a request under way then ends within the harness's
TIMEOUT. The clients are threads of this process on the same cores as the server,
so the figures are those of the pair, as on the machine that ran them.
"""

import os
import random
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from itertools import cycle

from tests.bench.responses import (
    BENCH_DIR,
    ROOT,
    Server,
    coopdir_path,
    get,
    percentile,
)

SIZE = int(os.environ.get("LOADTEST_SIZE", "100000"))
LEVELS = [int(c) for c in os.environ.get("LOADTEST_CLIENTS", "4,16,64").split(",")]
SECONDS = float(os.environ.get("LOADTEST_SECONDS", "60"))
SHORT_SECONDS = min(SECONDS, float(os.environ.get("LOADTEST_SHORT_SECONDS", "20")))
MAX_REQUESTS = int(os.environ.get("LOADTEST_MAX_REQUESTS", "1000000"))
SEED = 1

# The mix: class -> weight (a share of requests, as a public directory sees them).
WEIGHTS = {
    "home": 10,
    "list + facets": 15,
    "search": 15,
    "search + facets, uncached": 10,
    "entity page": 20,
    "API list": 15,
    "API detail": 15,
}
UNCACHED = "search + facets, uncached"
# Public pages answered from what the server keeps (counts and facets cached under
# the index version): the "cached public pages" of the target.
CACHED = "cached public pages"

# --- pure helpers (tests/coopdir/test_loadtest_helpers.py) ----------------------


def schedule(weights, rng):
    """Return the classes in a shuffled order where each appears weight times."""
    order = [name for name, weight in weights.items() for _ in range(weight)]
    rng.shuffle(order)
    return order


def level_seconds(clients, levels, seconds, short):
    """Return how long the mix runs at clients: seconds at the most, else short."""
    return seconds if clients == max(levels) else short


def class_stats(records, elapsed):
    """Return {class: figures} and an "all" entry from records [(class, status,
    ms)] taken over elapsed seconds; an error is any answer but 200 (0: no answer)."""
    grouped = {}
    for name, status, ms in records:
        grouped.setdefault(name, []).append((status, ms))
    grouped["all"] = [(status, ms) for _name, status, ms in records]
    stats = {}
    for name in sorted(grouped, key=lambda n: (n == "all", n)):
        rows = grouped[name]
        timings = [ms for _status, ms in rows]
        stats[name] = {
            "requests": len(rows),
            "rps": len(rows) / elapsed if elapsed else None,
            "p50": percentile(timings, 0.50) if rows else None,
            "p95": percentile(timings, 0.95) if rows else None,
            "p99": percentile(timings, 0.99) if rows else None,
            "errors": sum(status != 200 for status, _ms in rows),
            "5xx": sum(status >= 500 for status, _ms in rows),
        }
    return stats


def busy_ticks(line):
    """Return the ticks processes kept the machine's CPUs busy, from /proc/stat's
    "cpu" line: user, nice, system, irq and softirq (not idle, iowait, or steal:
    time the hypervisor gave to other machines)."""
    fields = [int(f) for f in line.split()[1:]]
    return sum(fields[:7]) - fields[3] - fields[4]


def cpu_shares(server, generator, machine, elapsed, requests):
    """Return the cores each part kept busy over elapsed s (from ticks), and the
    server's CPU ms per request; "others" is every other process on the machine."""
    tick = 1 / os.sysconf("SC_CLK_TCK")
    return {
        "server": server * tick / elapsed,
        "generator": generator * tick / elapsed,
        "others": max(0, machine - server - generator) * tick / elapsed,
        "ms_per_request": server * tick * 1000 / requests if requests else None,
    }


def fmt(value, spec=".0f"):
    return "–" if value is None else format(value, spec)


def level_table(clients, seconds, runs, hello):
    """Return the Markdown table of one level: runs {run: {class: figures}}, each
    class's requests per second over hello's ("all" of the hello run)."""
    ceiling = hello["all"]["rps"]
    lines = [
        f"\n{clients} clients (mix {fmt(seconds)} s)\n",
        "| run | class | requests | req/s | p50 ms | p95 ms | p99 ms | errors | 5xx "
        "| req/s ÷ hello |",
        "|---" * 10 + "|",
    ]
    for run, stats in {**runs, "hello": hello}.items():
        for name, s in stats.items():
            if name == "all" and len(stats) == 2:
                continue  # one class: "all" would repeat it
            ratio = s["rps"] / ceiling if s["rps"] and ceiling else None
            lines.append(
                f"| {run} | {name} | {s['requests']} | {fmt(s['rps'], '.1f')} | "
                f"{fmt(s['p50'], '.1f')} | {fmt(s['p95'], '.1f')} | "
                f"{fmt(s['p99'], '.1f')} | {s['errors']} | {s['5xx']} | "
                f"{fmt(ratio, '.3f')} |"
            )
    for run, stats in {**runs, "hello": hello}.items():
        cpu = stats["all"].get("cpu")
        if cpu:
            lines.append(
                f"\n{run}: server {fmt(cpu['server'], '.2f')} cores "
                f"({fmt(cpu['ms_per_request'], '.1f')} CPU ms/request), load "
                f"generator {fmt(cpu['generator'], '.2f')}, other processes "
                f"{fmt(cpu['others'], '.2f')}"
            )
    return "\n".join(lines)


def verdicts(levels):
    """Return the issue's targets, each as (met, text), from levels
    {clients: {"seconds", "mix", "cached", "hello"}}."""
    top = max(levels)
    most = levels[top]
    mix = most["mix"]["all"]
    out = [
        (
            mix["errors"] == 0 and most["seconds"] >= 60 and top >= 64,
            f"no errors and no 5xx at 64 clients for 60 s: {mix['errors']} "
            f"errors, {mix['5xx']} 5xx at {top} clients in {fmt(most['seconds'])} s",
        )
    ]
    for clients, level in sorted(levels.items()):
        cached, hello = level["cached"]["all"]["rps"], level["hello"]["all"]["rps"]
        ratio = cached / hello if cached and hello else None
        out.append(
            (
                ratio is not None and ratio >= 0.5,
                f"cached public pages at {clients} clients: {fmt(cached, '.1f')} "
                f"req/s, {fmt(ratio, '.2f')} of hello's {fmt(hello, '.1f')} "
                "(target ≥ 0.5)",
            )
        )
    low = min(levels)
    for clients, level in sorted(levels.items()):
        p95 = level["mix"].get(UNCACHED, {}).get("p95")
        target = clients == low
        out.append(
            (
                (p95 is not None and p95 <= 100) if target else None,
                f"{UNCACHED} p95 at {clients} clients: {fmt(p95, '.1f')} ms"
                + (" (target ≤ 100 ms)" if target else " (reported)"),
            )
        )
    return out


# --- load ------------------------------------------------------------------------


def drive(port, mix, seconds, clients, max_requests=MAX_REQUESTS, seed=SEED):
    """Return ([(class, status, ms)], elapsed s): clients GETting from mix
    {class: (weight, paths or an iterator of them)} for seconds or max_requests,
    whichever comes first; each class's paths are taken in turn, so a pool of
    unique paths is never asked twice while it lasts."""
    order = cycle(schedule({n: w for n, (w, _p) in mix.items()}, random.Random(seed)))
    paths = {
        name: p if isinstance(p, Iterator) else cycle(p)
        for name, (_w, p) in mix.items()
    }
    lock, records = threading.Lock(), []
    deadline = time.perf_counter() + seconds

    def client():
        while time.perf_counter() < deadline:
            with lock:
                if len(records) >= max_requests:
                    return
                name = next(order)
                path = next(paths[name])
            status, ms = get(port, path)
            with lock:
                records.append((name, status, ms))

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return records, time.perf_counter() - started


def pools(rng):
    """Return {class: (weight, [paths])} of the mix, and the cached pages' mix, from
    the published records themselves."""
    from mechanisms.models import Mechanism
    from organisations.models import Organisation
    from tests.bench.measure import query_pools

    drawn = query_pools(rng)
    words = [p["q"] for p in drawn["one word"]] + [p["q"] for p in drawn["two words"]]
    mixed = drawn["word + country + sector"]
    countries = sorted({c for p in mixed for c in p["country"]})
    sectors = sorted({s for p in mixed for s in p["sector"]})
    orgs = Organisation.objects.published()
    slugs = list(orgs.values_list("slug", flat=True).order_by("?")[:500])
    mechanisms = list(
        Mechanism.objects.published().values_list("slug", flat=True).order_by("?")[:200]
    )
    # Every word with every country, each asked once: no cache has seen it.
    uncached = [
        coopdir_path("/organisations/", {"q": w, "country": c})
        for w in dict.fromkeys(p["q"] for p in drawn["one word"])
        for c in countries
    ]
    rng.shuffle(uncached)
    org, api = "/organisations/", "/api/v1/organisations/"
    lists = (
        [coopdir_path(org, {"country": c}) for c in countries]
        + [coopdir_path(org, {"sector": s}) for s in sectors]
        + [
            coopdir_path(org, {"country": p["country"], "sector": p["sector"]})
            for p in mixed
        ]
        + [org, "/mechanisms/"]
    )
    searches = [coopdir_path("/search/", {"q": w}) for w in words] + [
        coopdir_path(org, {"q": w}) for w in words
    ]
    entities = (
        [f"{org}{s}/" for s in slugs]
        + [f"/mechanisms/{s}/" for s in mechanisms]
        + [f"/countries/{c}/" for c in countries]
        + [f"/sectors/{s}/" for s in sectors]
    )
    api_lists = (
        [coopdir_path(api, {"q": w, "facets": "1"}) for w in words]
        + [coopdir_path(api, {"country": c, "facets": "1"}) for c in countries]
        + [coopdir_path(api, {"sector": s, "facets": "1"}) for s in sectors]
        + ["/api/v1/mechanisms/"]
    )
    details = [f"{api}{s}/" for s in slugs] + [
        f"/api/v1/mechanisms/{s}/" for s in mechanisms
    ]
    for group in (lists, searches, entities, api_lists, details):
        rng.shuffle(group)
    paths = {
        "home": ["/"],
        "list + facets": lists,
        "search": searches,
        UNCACHED: uncached,
        "entity page": entities,
        "API list": api_lists,
        "API detail": details,
    }
    mix = {name: (WEIGHTS[name], paths[name]) for name in WEIGHTS}
    cached = {
        CACHED: (
            1,
            ["/", org, "/mechanisms/", "/countries/", "/sectors/"]
            + [f"/countries/{c}/" for c in countries[:5]],
        )
    }
    return mix, cached


def server_env(database_url):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coopdir.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "RATELIMIT_ENABLE": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "LOCAL_ENV_FILE": "",
    }


def gunicorn(app):
    # --bind wins over gunicorn.conf.py's; every other setting is the file's.
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--bind",
        "127.0.0.1:{port}",
        app,
    ]


def run_levels(server, runs, seconds_for):
    """Return {clients: {run: stats}}: each run {name: mix} at every level."""
    out = {}
    for clients in LEVELS:
        out[clients] = {}
        for name, mix in runs.items():
            seconds = seconds_for(clients, name)
            print(
                f"  {server.name}: {name}, {clients} clients, {seconds:g} s",
                file=sys.stderr,
                flush=True,
            )
            before = cpu_ticks(server)
            records, elapsed = drive(server.port, mix, seconds, clients)
            spent = [b - a for a, b in zip(before, cpu_ticks(server), strict=True)]
            out[clients][name] = class_stats(records, elapsed)
            out[clients][name]["all"]["cpu"] = cpu_shares(*spent, elapsed, len(records))
    return out


def cpu_ticks(server):
    """Return CPU ticks so far of (the server's processes, this process, the whole
    machine's busy time)."""
    with open("/proc/stat") as file:
        machine = busy_ticks(file.readline())
    own = os.times()
    return (
        server.ticks(),
        round((own.user + own.system) * os.sysconf("SC_CLK_TCK")),
        machine,
    )


def main():
    from tests.bench.test_bench import machine

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    database_url = f"sqlite:///{BENCH_DIR / f'bench-{SIZE}.sqlite3'}"
    # Generation and sampling run here under the test settings, as the bench's.
    os.environ.update(
        DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="coopdir.test_settings"
    )
    import django

    django.setup()
    from django.db import connection

    from tests.bench.measure import hold_in_memory, prepare

    print(f"{SIZE:,} organisations …", file=sys.stderr, flush=True)
    prepare(SIZE)
    # A kept database migrated since it was generated may have lost its planner
    # statistics (SQLite drops them with a table a migration remakes).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    mix, cached = pools(random.Random(SEED))
    hold_in_memory(connection)
    connection.close()  # the server opens its own

    env = server_env(database_url)
    # The production settings' static storage needs its manifest.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )

    def seconds_for(clients, name):
        if name == "mix":
            return level_seconds(clients, LEVELS, SECONDS, SHORT_SECONDS)
        return SHORT_SECONDS

    # One pass over the cached pages and a few of each class fills the caches a
    # running server has; the uncached searches' pool is not touched.
    warm = {n: (w, p[:5]) for n, (w, p) in mix.items() if n != UNCACHED}
    # Paths are taken in turn across levels: no uncached search is asked twice.
    running = {n: (w, cycle(p)) for n, (w, p) in mix.items()}
    app = Server("loadtest-coopdir", gunicorn("coopdir.wsgi"), env)
    try:
        drive(app.port, {**warm, **cached}, SHORT_SECONDS, 4, max_requests=200)
        coopdir = run_levels(app, {"mix": running, "cached": cached}, seconds_for)
    finally:
        app.stop()
    hello_server = Server(
        "loadtest-hello", gunicorn("tests.bench.hello:application"), env
    )
    try:
        hello = run_levels(hello_server, {"hello": {"hello": (1, ["/"])}}, seconds_for)
    finally:
        hello_server.stop()

    levels = {
        c: {
            "seconds": seconds_for(c, "mix"),
            "mix": coopdir[c]["mix"],
            "cached": coopdir[c]["cached"],
            "hello": hello[c]["hello"],
        }
        for c in LEVELS
    }
    info = machine()
    workers = os.environ.get("GUNICORN_WORKERS", "the file's")
    threads = os.environ.get("GUNICORN_THREADS", "the file's")
    asked = sum(
        level["mix"].get(UNCACHED, {}).get("requests", 0) for level in levels.values()
    )
    print(
        f"\nLoad test: {SIZE:,} organisations, {info['cpu']} ({info['nproc']} cores), "
        f"{info['date']}; gunicorn.conf.py (workers: {workers}, threads: {threads}); "
        f"{UNCACHED}: {asked} asked of {len(mix[UNCACHED][1])} distinct paths"
    )
    for clients, level in levels.items():
        print(
            level_table(
                clients,
                level["seconds"],
                {"mix": level["mix"], "cached": level["cached"]},
                level["hello"],
            )
        )
    print("\nTargets (issue #17):\n")
    for met, text in verdicts(levels):
        mark = {True: "met", False: "NOT met", None: "–"}[met]
        print(f"- {mark}: {text}")


if __name__ == "__main__":
    main()
