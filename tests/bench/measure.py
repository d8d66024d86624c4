"""Measure search latency per query class on the database DATABASE_URL points at.

Run by tests/bench/test_bench.py in a subprocess per size:
    python -m tests.bench.measure SIZE  -> prints one JSON line of results
The database is generated (manage.py generate_directory) when it does not yet hold
SIZE generated organisations. Each query runs the way a list page runs it: the
shared FilterSet, the first page of 20, the count, and the facet counts.
"""

import json
import os
import platform
import random
import statistics
import sys
import time

import django

QUERIES_PER_CLASS = int(os.environ.get("BENCH_QUERIES", "100"))
SEED = int(os.environ.get("BENCH_SEED", "1"))
WARM_UP = os.environ.get("BENCH_WARM_UP", "1") != "0"
# BENCH_IN_MEMORY: 1 always, 0 never, auto (the default) where the kernel runs
# DAMON reclaim, which pages out what no one read for about a minute: there a 1M
# run after an idle spell measured the disk (word + country + sector at 1M ×2.14
# the 100k p95; read into memory first, ×1.21). Without DAMON a 1M directory stays
# in the OS cache once read and reading it changed nothing (docs/benchmarks.md).
IN_MEMORY = os.environ.get("BENCH_IN_MEMORY", "auto")
DAMON_ADMIN = "/sys/kernel/mm/damon/admin/kdamonds"


def damon_reclaims(admin=DAMON_ADMIN):
    """Return whether a DAMON kernel thread is on with a scheme that pages out
    (DAMON's reclaim: what no one accessed for a while leaves the page cache)."""
    try:
        kdamonds = os.listdir(admin)
    except OSError:
        return False
    for kdamond in kdamonds:
        base = os.path.join(admin, kdamond)
        try:
            with open(os.path.join(base, "state")) as state:
                if state.read().strip() != "on":
                    continue
        except OSError:
            continue
        for root, _dirs, files in os.walk(os.path.join(base, "contexts")):
            if "action" in files:
                with open(os.path.join(root, "action")) as action:
                    if action.read().strip() == "pageout":
                        return True
    return False


def holds_in_memory(setting=None):
    """Return whether the bench reads the database into memory first (see
    IN_MEMORY): "1" yes, "0" no, "auto" where DAMON reclaim runs."""
    setting = IN_MEMORY if setting is None else setting
    if setting == "auto":
        return damon_reclaims()
    return setting != "0"


CLASSES = [
    "one word",
    "two words",
    "prefix",
    "Chinese",
    "typo",
    "word + country + sector",
    "facets only",
]


def prepare(size):
    from django.core.management import call_command

    from organisations.models import Organisation

    call_command("migrate", verbosity=0)
    have = Organisation.objects.filter(slug__startswith="gen-").count()
    if have != size:
        started = time.perf_counter()
        call_command(
            "generate_directory",
            organisations=size,
            mechanisms=max(10, size // 50),
            seed=SEED,
            replace=True,
            verbosity=1,
        )
        return time.perf_counter() - started
    return None


def typo(rng, word):
    i = rng.randrange(len(word))
    letters = "abcdefghijklmnopqrstuvwxyz"
    edit = rng.choice(["delete", "replace", "insert"])
    if edit == "delete":
        return word[:i] + word[i + 1 :]
    if edit == "replace":
        return word[:i] + rng.choice(letters.replace(word[i], "")) + word[i + 1 :]
    return word[:i] + rng.choice(letters) + word[i:]


def query_pools(rng):
    """Return {class: [params]}: queries drawn from the records themselves."""
    from coopdir.search import text
    from organisations.models import Organisation, OrganisationCountry

    published = Organisation.objects.published()
    top = published.order_by("-pk").values_list("pk", flat=True)[:1][0]
    sample = []
    while len(sample) < QUERIES_PER_CLASS * 6:
        pk = rng.randrange(1, top + 1)
        row = (
            published.filter(pk__gte=pk)
            .order_by("pk")
            .values("pk", "name", "native_name")
            .first()
        )
        if row:
            sample.append(row)
    latin = [
        [w for w in text.WORD.findall(r["name"]) if w.isalpha() and len(w) >= 3]
        for r in sample
    ]
    chinese = [
        text.CJK_RUN.findall(r["native_name"])[0]
        for r in sample
        if text.HAN.search(r["native_name"] or "")
    ]
    pools = {name: [] for name in CLASSES}
    for words, row in zip(latin, sample, strict=True):
        if not words:
            continue
        word = rng.choice(words)
        pools["one word"].append({"q": word})
        if len(words) >= 2:
            i = rng.randrange(len(words) - 1)
            pools["two words"].append({"q": f"{words[i]} {words[i + 1]}"})
        pools["prefix"].append({"q": word[: rng.randrange(3, 6)]})
        long = [w for w in words if len(w) >= 5]
        if long:
            pools["typo"].append({"q": typo(rng, rng.choice(long))})
        countries = list(
            OrganisationCountry.objects.filter(organisation_id=row["pk"]).values_list(
                "country", flat=True
            )
        )
        own_sectors = list(
            Organisation.sectors.through.objects.filter(
                organisation_id=row["pk"]
            ).values_list("sector__slug", flat=True)
        )
        if countries and own_sectors:
            pools["word + country + sector"].append(
                {
                    "q": word,
                    "country": [rng.choice(countries)],
                    "sector": [rng.choice(own_sectors)],
                }
            )
    for run in chinese:
        length = rng.randrange(2, min(5, len(run)) + 1)
        start = rng.randrange(len(run) - length + 1)
        pools["Chinese"].append({"q": run[start : start + length]})
    pools["facets only"] = [{}] * QUERIES_PER_CLASS
    return {name: pool[:QUERIES_PER_CLASS] for name, pool in pools.items()}


def run_query(params):
    from organisations.filters import OrganisationFilter
    from organisations.models import Organisation

    started, cpu = time.perf_counter(), time.process_time()
    filterset = OrganisationFilter(
        params, queryset=Organisation.objects.published().for_list()
    )
    assert filterset.is_valid(), filterset.errors
    found = filterset.found()  # as the list page and the API ask for results
    list(found[:20])  # the first page
    count = found.count()
    found.facet_counts(
        ("country", "region", "sector", "kind")
    )  # each facet without its own filter, as the page
    wall = (time.perf_counter() - started) * 1000
    return wall, (time.process_time() - cpu) * 1000, count


def hold_in_memory(connection):
    """Read every table and index of the database into the OS page cache, as a
    server holding its data in memory has them; return (bytes read, seconds).

    Without it, what a size's run reads from disk depends on the machine's past:
    a 100k directory is all in memory after the warm-up, while of a 1M one only
    what recent searches touched is (and on a kernel running DAMON reclaim, only
    what they touched in the last minute or so), so the growth from one size to
    the next measured the disk more than the search. PostgreSQL: pg_prewarm in
    its 'read' mode (into the OS cache; shared_buffers keep what searches used);
    SQLite: its file. Returns (None, reason) where it cannot."""
    from django.db import DatabaseError

    started = time.perf_counter()
    if connection.vendor == "sqlite":
        done = 0
        for suffix in ("", "-wal"):
            path = f"{connection.settings_dict['NAME']}{suffix}"
            if not os.path.exists(path):
                continue
            with open(path, "rb") as file:
                while chunk := file.read(1 << 20):
                    done += len(chunk)
        return done, time.perf_counter() - started
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            # Tables, their TOAST and indexes; not the catalogs (small, and
            # read by every statement anyway).
            cursor.execute(
                """
                SELECT coalesce(sum(pg_prewarm(c.oid, 'read')), 0)
                  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind IN ('r', 'i', 't', 'm')
                   AND (n.nspname = 'public' OR c.oid IN (
                        SELECT reltoastrelid FROM pg_class t
                          JOIN pg_namespace tn ON tn.oid = t.relnamespace
                         WHERE tn.nspname = 'public'))
                """
            )
            blocks = cursor.fetchone()[0]
            cursor.execute("SELECT current_setting('block_size')::int")
            block_size = cursor.fetchone()[0]
    except DatabaseError as error:  # no pg_prewarm, or not allowed to add it
        return None, str(error).strip()
    return int(blocks) * block_size, time.perf_counter() - started


def machine_times():
    """Return the machine's CPU time so far by kind (/proc/stat, in ticks), or
    None where there is no /proc/stat."""
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    names = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"]
    return dict(zip(names, map(int, fields[1:9]), strict=False))


def stolen(before, after):
    """Return the share of the machine's CPU time its host took (steal) between
    two machine_times(): on a shared virtual machine, time the bench did not get."""
    if not before or not after:
        return None
    spent = {name: after[name] - before[name] for name in after}
    total = sum(spent.values())
    return spent["steal"] / total if total else None


def calibration():
    """Return the ms a fixed pure-Python loop takes (best of three): how fast this
    machine's CPU ran at the time, which on a shared virtual machine varies from
    run to run by more than the host's steal shows."""
    best = None
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for number in range(1_000_000):
            total += number
        elapsed = (time.perf_counter() - started) * 1000
        best = elapsed if best is None else min(best, elapsed)
    return best


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main(size):
    django.setup()
    from django.core.cache import cache
    from django.db import connection

    generated = prepare(size)
    cache.clear()
    if connection.vendor == "postgresql":
        # Earlier writes (generating a directory, another database's run, a test
        # suite) are flushed by the server's next checkpoint, which would compete
        # with the measured reads for the disk: flush them now.
        from django.db import DatabaseError

        try:
            with connection.cursor() as cursor:
                cursor.execute("CHECKPOINT")
        except DatabaseError as error:  # not a superuser: measured as it is
            print(f"no CHECKPOINT before measuring: {error}", file=sys.stderr)
    held = []

    hold = holds_in_memory()

    def in_memory():
        if hold:
            done, seconds = hold_in_memory(connection)
            held.append((done, seconds))
            if done is None:
                print(f"not held in memory: {seconds}", file=sys.stderr)

    # Warm up as a running service is: one pass over queries drawn with another
    # seed (the same classes, other words), so the database's own caches hold the
    # index's upper levels but not the measured queries' own pages.
    in_memory()
    if WARM_UP:
        for pool in query_pools(random.Random(SEED + 1000)).values():
            for params in pool:
                run_query(params)
        cache.clear()
    rng = random.Random(SEED)
    pools = query_pools(rng)
    results = {}
    machine_before = machine_times()
    loop_before = calibration()
    for name in CLASSES:
        in_memory()  # not timed
        timings, cpu_times, counts = [], [], []
        for params in pools[name]:
            elapsed, cpu, count = run_query(params)
            timings.append(elapsed)
            cpu_times.append(cpu)
            counts.append(count)
        results[name] = {
            "queries": len(timings),
            "p50": statistics.median(timings) if timings else None,
            "p95": percentile(timings, 0.95) if timings else None,
            "max": max(timings) if timings else None,
            # Time on this process's CPU: with SQLite (in process) what an idle
            # machine would take; with PostgreSQL the server's share is not in it.
            "cpu_p50": statistics.median(cpu_times) if cpu_times else None,
            "cpu_p95": percentile(cpu_times, 0.95) if cpu_times else None,
            "median_matches": statistics.median(counts) if counts else None,
            "example": pools[name][0] if pools[name] else None,
        }
    steal = stolen(machine_before, machine_times())
    loops = [loop_before, calibration()]
    # The landing view right after an edit: the cache must miss, then hit again.
    from organisations.models import Organisation

    record = Organisation.objects.published().first()
    record.save()
    cold, _, _ = run_query({})
    warm, _, _ = run_query({})
    load = os.getloadavg()
    results["facets only, first after an edit"] = {
        "queries": 1,
        "p50": cold,
        "p95": cold,
    }
    results["facets only"]["warm"] = warm
    print(
        json.dumps(
            {
                "size": size,
                "vendor": connection.vendor,
                "generated_in_s": generated,
                "python": platform.python_version(),
                "load_average_after": load,
                # share of CPU time the host took while the classes were measured
                "steal": steal,
                # ms of calibration() before and after the classes
                "calibration_ms": loops,
                # (bytes, seconds) of the first read into memory, or (None, why)
                "held_in_memory": held[0] if held else None,
                "results": results,
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]))
