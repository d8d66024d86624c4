"""`make bench-http`: whole HTTP responses, served the production way, beside
Datasette on the same rows and a WSGI "hello" under the same gunicorn settings.

    python -m tests.bench.responses            -> every size, then the table
    python -m tests.bench.responses run V N    -> one database (vendor V, N
                                                  organisations): one JSON line
    python -m tests.bench.responses prepare V N
                                               -> only generate it (PostgreSQL: in
                                                  the bench's cluster), ahead of time

Environment (all optional):
    BENCH_HTTP_DATABASES  sqlite,postgresql   which engines to serve
    BENCH_HTTP_SQLITE_SIZES  100000            organisations per SQLite run
    BENCH_HTTP_PG_SIZES      1000000           organisations per PostgreSQL run,
                                               on a cluster the bench starts itself
                                               (initdb under var/bench/pg as the
                                               postgres user, port BENCH_HTTP_PG_PORT)
    BENCH_HTTP_PG_PORT    54329
    BENCH_HTTP_SINGLE     30                   single requests per class
    BENCH_HTTP_SECONDS    5                    seconds of load per class
    BENCH_HTTP_CLIENTS    16                   concurrent clients under load
    BENCH_HTTP_WORKERS    2                    gunicorn workers (all three servers)
    BENCH_DIR             var/bench            databases and results-http.json
Databases are generated as `make bench` generates them (tests/bench/measure.py),
once per size. Datasette 0.65 runs from its own virtualenv (var/datasette-venv,
made from requirements-bench.txt on first use), never from the project's.
"""

import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = Path(os.environ.get("BENCH_DIR", ROOT / "var" / "bench"))
DATASETTE_VENV = ROOT / "var" / "datasette-venv"
SINGLE = int(os.environ.get("BENCH_HTTP_SINGLE", "30"))
SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS", "5"))
CLIENTS = int(os.environ.get("BENCH_HTTP_CLIENTS", "16"))
WORKERS = int(os.environ.get("BENCH_HTTP_WORKERS", "2"))
PG_PORT = int(os.environ.get("BENCH_HTTP_PG_PORT", "54329"))
SEED = 1
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")
# A request that takes longer is a failure, not a measurement (gunicorn's own
# default timeout kills a worker at 30 s).
TIMEOUT = 60

# --- pure helpers (tests/coopdir/test_bench_helpers.py) -------------------------


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def stat_ticks(stat):
    """Return the CPU ticks of a /proc/<pid>/stat line: the process's own time and
    its reaped children's (utime + stime + cutime + cstime)."""
    # The command name (field 2) may hold spaces: count fields after its ")".
    fields = stat[stat.rindex(")") + 2 :].split()
    return sum(int(fields[i]) for i in (11, 12, 13, 14))


def stat_parent(stat):
    return int(stat[stat.rindex(")") + 2 :].split()[1])


def tree_ticks(root, proc="/proc"):
    """Return the CPU ticks so far of process root and every live descendant
    (with what their reaped children took), or 0 where root is gone."""
    stats = {}
    for entry in os.listdir(proc):
        if entry.isdigit():
            try:
                with open(f"{proc}/{entry}/stat") as file:
                    stats[int(entry)] = file.read()
            except OSError:
                continue  # exited meanwhile
    children = {}
    for pid, stat in stats.items():
        children.setdefault(stat_parent(stat), []).append(pid)
    total, frontier = 0, [root]
    while frontier:
        pid = frontier.pop()
        if pid in stats:
            total += stat_ticks(stats[pid])
            frontier += children.get(pid, [])
    return total


def shared_buffers_mb(size):
    """Return PostgreSQL's shared_buffers for a directory of size organisations, as
    the README advises: the search table (about 1 GB per million) held whole, and
    never below the default 128 MB."""
    return max(128, -(-size * 1280 // 1_000_000))


def coopdir_path(path, params):
    return f"{path}?{urlencode(params, doseq=True)}" if params else path


def datasette_path(params):
    """Return the Datasette JSON URL answering params ({q, country, sector}) with
    facets on country and sector, as coopdir's API with facets=1 does."""
    query = [("_facet", "country"), ("_facet", "sector"), ("_nosuggest", "1")]
    if params.get("q"):
        query.append(("_search", params["q"]))
    for name in ("country", "sector"):
        for value in params.get(name, []):
            query.append((name, value))
    return f"/bench/organisations.json?{urlencode(query)}&_size=20"


def summary(timings):
    if not timings:
        return {"p50": None, "p95": None}
    return {"p50": statistics.median(timings), "p95": percentile(timings, 0.95)}


def ratio(mine, theirs):
    return mine / theirs if mine and theirs else None


# --- load ------------------------------------------------------------------------


def get(port, path):
    """Return (status, ms) of one GET of path on 127.0.0.1:port."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        conn.request("GET", path, headers={"Host": "127.0.0.1"})
        response = conn.getresponse()
        response.read()
        status = response.status
    except OSError:
        status = 0
    finally:
        conn.close()
    return status, (time.perf_counter() - started) * 1000


def load(port, paths, seconds, clients):
    """Return (completed, failed, elapsed s): clients GETting paths in turn for
    seconds; a request under way at the deadline is finished, not cut."""
    lock, state = threading.Lock(), {"next": 0, "done": 0, "failed": 0}
    deadline = time.perf_counter() + seconds

    def client():
        while time.perf_counter() < deadline:
            with lock:
                path = paths[state["next"] % len(paths)]
                state["next"] += 1
            status, _ms = get(port, path)
            with lock:
                state["done" if status == 200 else "failed"] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return state["done"], state["failed"], time.perf_counter() - started


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn (or other) server started for the bench and stopped after it."""

    def __init__(self, name, command, env, cwd=ROOT, port=None):
        self.name, self.port = name, port or free_port()
        self.log = open(BENCH_DIR / f"{name}.log", "w")  # noqa: SIM115
        command = [part.replace("{port}", str(self.port)) for part in command]
        self.process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        for _ in range(600):
            if self.process.poll() is not None:
                raise RuntimeError(f"{name} did not start: see {self.log.name}")
            if get(self.port, "/robots.txt")[0]:
                return
            time.sleep(0.1)
        raise RuntimeError(f"{name} did not answer: see {self.log.name}")

    def ticks(self):
        return tree_ticks(self.process.pid)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def gunicorn(python, app, extra=()):
    return [
        str(python),
        "-m",
        "gunicorn",
        app,
        "--bind",
        "127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--timeout",
        "30",
        *extra,
    ]


def measure_class(
    server, paths, warm, database_ticks=None, before_each=None, before=None
):
    """Return one class's figures: single requests (p50/p95), then CLIENTS at
    once for SECONDS (requests per second, server CPU ms per request).
    before: called first, not timed (reading the database into memory)."""
    if before:
        before()
    for path in warm:
        get(server.port, path)
    timings, failed = [], 0
    for path in [paths[i % len(paths)] for i in range(SINGLE)]:
        if before_each:
            before_each()
        status, ms = get(server.port, path)
        timings.append(ms)
        failed += status != 200
    result = {**summary(timings), "single_failed": failed, "example": paths[0]}
    if before_each:  # a cold cache is a single request's matter
        return result
    ticks = server.ticks() + (database_ticks() if database_ticks else 0)
    done, failed, elapsed = load(server.port, paths, SECONDS, CLIENTS)
    ticks = server.ticks() + (database_ticks() if database_ticks else 0) - ticks
    result.update(
        rps=done / elapsed if elapsed else None,
        load_failed=failed,
        cpu_ms=ticks * TICK_MS / done if done else None,
    )
    return result


# --- one database (runs with Django set up on it) ---------------------------------


def export_for_datasette(size):
    """Write the published organisations to one SQLite table for Datasette, with
    FTS5 on name and summary; return its path. Reused while it holds size's rows."""
    from organisations.models import Organisation

    path = BENCH_DIR / f"datasette-{size}.sqlite3"
    published = Organisation.objects.published()
    if path.exists():
        with sqlite3.connect(path) as db:
            have = db.execute("SELECT count(*) FROM organisations").fetchone()[0]
        if have == published.count():
            return path
        path.unlink()
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    db.execute(
        "CREATE TABLE organisations (id INTEGER PRIMARY KEY, name TEXT, slug TEXT,"
        " summary TEXT, kind TEXT, country TEXT, sector TEXT)"
    )
    first_sector = {}
    through = Organisation.sectors.through.objects.order_by("organisation_id", "pk")
    for pk, slug in through.values_list("organisation_id", "sector__slug").iterator(
        chunk_size=10000
    ):
        first_sector.setdefault(pk, slug)
    rows = published.order_by("pk").values_list(
        "pk", "name", "slug", "summary", "kind", "hq_country"
    )
    batch = []
    for row in rows.iterator(chunk_size=10000):
        batch.append((*row, first_sector.get(row[0])))
        if len(batch) >= 10000:
            db.executemany("INSERT INTO organisations VALUES (?,?,?,?,?,?,?)", batch)
            batch = []
    db.executemany("INSERT INTO organisations VALUES (?,?,?,?,?,?,?)", batch)
    for column in ("country", "sector", "kind"):
        db.execute(f"CREATE INDEX organisations_{column} ON organisations ({column})")
    db.execute(
        'CREATE VIRTUAL TABLE organisations_fts USING fts5(name, summary, content="'
        'organisations", content_rowid="id")'
    )
    db.execute("INSERT INTO organisations_fts(organisations_fts) VALUES ('rebuild')")
    db.commit()
    db.execute("ANALYZE")
    db.close()
    tmp.rename(path)
    return path


def datasette_venv():
    python = DATASETTE_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", DATASETTE_VENV], check=True)
        subprocess.run(
            [python, "-m", "pip", "install", "-q", "-r", "requirements-bench.txt"],
            cwd=ROOT,
            check=True,
        )
    return python


def pools(rng):
    """Return {name: [params]}: words, countries, sectors and slugs drawn from the
    published records themselves."""
    from mechanisms.models import Mechanism
    from organisations.models import Organisation
    from tests.bench.measure import query_pools

    drawn = query_pools(rng)
    mixed = drawn["word + country + sector"]
    orgs = Organisation.objects.published()
    top = orgs.order_by("-pk").values_list("pk", flat=True).first()
    slugs = []
    while len(slugs) < SINGLE:
        slug = orgs.filter(pk__gte=rng.randrange(1, top + 1)).order_by("pk")
        slug = slug.values_list("slug", flat=True).first()
        if slug:
            slugs.append(slug)
    mechanisms = list(Mechanism.objects.published().values_list("slug", flat=True))
    mechanisms = rng.sample(mechanisms, min(SINGLE, len(mechanisms)))
    return {
        "one word": drawn["one word"],
        "two words": drawn["two words"],
        "word + country": [{"q": p["q"], "country": p["country"]} for p in mixed],
        "country": [{"country": p["country"]} for p in mixed],
        "sector": [{"sector": p["sector"]} for p in mixed],
        "organisation": slugs,
        "mechanism": mechanisms or ["none"],
    }


def classes(pool):
    """Return [(class, [coopdir paths], Datasette params or None)]."""
    api, org = "/api/v1/organisations/", "/organisations/"

    def paths(path, name, extra=None):
        return [coopdir_path(path, {**p, **(extra or {})}) for p in pool[name]]

    facets = {"facets": "1"}
    words = [{"q": p["q"]} for p in pool["one word"]]
    return [
        ("home", ["/"], None),
        ("organisations page", [org], None),
        ("organisations page: one word", paths(org, "one word"), "one word"),
        (
            "organisations page: word + country",
            paths(org, "word + country"),
            "word + country",
        ),
        ("organisations page: country", paths(org, "country"), "country"),
        ("organisations page: sector", paths(org, "sector"), "sector"),
        ("mechanisms page", ["/mechanisms/"], None),
        ("mechanisms page: one word", paths("/mechanisms/", "one word"), None),
        ("search page: one word", paths("/search/", "one word"), None),
        ("search page: two words", paths("/search/", "two words"), None),
        (
            "country page",
            [f"/countries/{p['country'][0]}/" for p in pool["country"]],
            None,
        ),
        ("sector page", [f"/sectors/{p['sector'][0]}/" for p in pool["sector"]], None),
        ("country list", ["/countries/"], None),
        ("sector list", ["/sectors/"], None),
        ("organisation page", [f"{org}{s}/" for s in pool["organisation"]], None),
        ("mechanism page", [f"/mechanisms/{s}/" for s in pool["mechanism"]], None),
        ("API: one word, facets", paths(api, "one word", facets), "one word"),
        ("API: two words, facets", paths(api, "two words", facets), "two words"),
        (
            "API: word + country, facets",
            paths(api, "word + country", facets),
            "word + country",
        ),
        ("API: country, facets", paths(api, "country", facets), "country"),
        ("API: sector, facets", paths(api, "sector", facets), "sector"),
        ("API: detail", [f"{api}{s}/" for s in pool["organisation"]], None),
        (
            "API: unified search",
            [coopdir_path("/api/v1/search/", w) for w in words],
            None,
        ),
        (
            "CSV export page (1,000 rows)",
            paths(api, "country", {"format": "csv", "page_size": "1000"}),
            None,
        ),
    ]


def database_ticks_reader():
    """Return a function giving the local PostgreSQL cluster's CPU ticks so far
    (its server and backends), or None where the database is in process."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('data_directory')")
        data = cursor.fetchone()[0]
    with open(Path(data) / "postmaster.pid") as file:
        postmaster = int(file.readline())
    return lambda: tree_ticks(postmaster)


def run(vendor, size):
    import django

    django.setup()
    from django.db import connection

    from coopdir.search import engine
    from tests.bench.measure import hold_in_memory, holds_in_memory, prepare

    generated = prepare(size)
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "RATELIMIT_ENABLE": "0",
        # The bench is one client: measure the API, not its throttle.
        "API_ANON_RATE": "1000000/min",
        "DJANGO_SETTINGS_MODULE": "coopdir.settings",
    }
    # The production settings' static storage needs its manifest.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    export = export_for_datasette(size)
    warm_pool, pool = pools(random.Random(SEED + 1000)), pools(random.Random(SEED))
    measured = classes(pool)
    warm = {name: paths for name, paths, _ds in classes(warm_pool)}
    # Where DAMON reclaim pages out what no one read for a minute, read the
    # database into memory before each class, as a server has its data (see
    # tests/bench/measure.py); the Datasette copy is small and read whole anyway.
    hold = holds_in_memory()

    def in_memory():
        if hold:
            hold_in_memory(connection)
            connection.close()

    connection.close()  # the servers open their own
    results = {"coopdir": {}, "datasette": {}, "hello": {}}
    database_ticks = database_ticks_reader()
    app = Server("coopdir", gunicorn(sys.executable, "coopdir.wsgi"), env)
    try:
        for name, paths, _ds in measured:
            print(f"  {name}", file=sys.stderr, flush=True)
            results["coopdir"][name] = measure_class(
                app, paths, warm[name][:5], database_ticks, before=in_memory
            )
        # Cold: every cache keyed by the index version misses, as after an edit.
        results["coopdir"]["home, cold cache"] = measure_class(
            app, ["/"], [], before_each=engine.bump_version, before=in_memory
        )
        connection.close()
    finally:
        app.stop()

    python = datasette_venv()
    (BENCH_DIR / "datasette_app.py").write_text(
        "import os\nfrom datasette.app import Datasette\n"
        "app = Datasette(immutables=[os.environ['BENCH_DATASETTE_DB']], settings={\n"
        "    'facet_time_limit_ms': 60000, 'sql_time_limit_ms': 60000,\n"
        "    'suggest_facets': False}).app()\n"
    )
    shutil.copyfile(export, BENCH_DIR / "bench.sqlite3")  # served as /bench/
    ds_env = {**os.environ, "BENCH_DATASETTE_DB": str(BENCH_DIR / "bench.sqlite3")}
    extra = ["-k", "uvicorn.workers.UvicornWorker", "--chdir", str(BENCH_DIR)]
    datasette = Server(
        "datasette", gunicorn(python, "datasette_app:app", extra), ds_env
    )
    try:
        warm_ds = classes_for_datasette(warm_pool)
        for name, params in classes_for_datasette(pool).items():
            print(f"  datasette {name}", file=sys.stderr, flush=True)
            results["datasette"][name] = measure_class(
                datasette, params, warm_ds[name][:5]
            )
    finally:
        datasette.stop()

    hello = Server(
        "hello", gunicorn(sys.executable, "tests.bench.hello:application"), env
    )
    try:
        results["hello"]["hello"] = measure_class(hello, ["/"], ["/"])
    finally:
        hello.stop()
    print(
        json.dumps(
            {
                "vendor": vendor,
                "size": size,
                "generated_in_s": generated,
                "load_average_after": os.getloadavg(),
                "held_in_memory": hold,
                "matches": {n: ds for n, _p, ds in measured if ds},
                "results": results,
            }
        )
    )


def classes_for_datasette(pool):
    return {
        name: [datasette_path(p) for p in pool[name]]
        for name in ("one word", "two words", "word + country", "country", "sector")
    }


# --- the PostgreSQL cluster the bench starts --------------------------------------


def pg_bin():
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not versions:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
    return versions[-1]


def as_postgres(*command):
    prefix = [] if os.getuid() != 0 else ["runuser", "-u", "postgres", "--"]
    subprocess.run([*prefix, *map(str, command)], check=True, cwd="/")


def start_cluster(size):
    """Start (initdb first if need be) the bench's own cluster with shared_buffers
    for size; return its base URL."""
    data, sockets = BENCH_DIR / "pg", BENCH_DIR / "pg-run"  # run: socket, log
    for folder in (data, sockets):
        folder.mkdir(parents=True, exist_ok=True)
        if os.getuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
    os.chmod(data, 0o700)
    if not (data / "PG_VERSION").exists():
        as_postgres(
            pg_bin() / "initdb",
            "-D",
            data,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
        )
    options = (
        f"-p {PG_PORT} -k {sockets} -c listen_addresses=127.0.0.1 "
        f"-c shared_buffers={shared_buffers_mb(size)}MB -c max_connections=100"
    )
    as_postgres(
        pg_bin() / "pg_ctl",
        "-D",
        data,
        "-o",
        options,
        "-l",
        sockets / "log",
        "-w",
        "start",
    )
    return f"postgres://postgres@127.0.0.1:{PG_PORT}"


def stop_cluster():
    as_postgres(pg_bin() / "pg_ctl", "-D", BENCH_DIR / "pg", "-m", "fast", "-w", "stop")


def database_url(vendor, size, base=None):
    if vendor == "sqlite":
        return f"sqlite:///{BENCH_DIR / f'bench-{size}.sqlite3'}"
    import psycopg

    name = f"coopdir_bench_{size}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


# --- every size, and the table -------------------------------------------------


def measure(vendor, size, command="run"):
    """Return the figures of one database (command "run"), or only generate it
    ("prepare": to start a long generation ahead of the bench)."""
    base = start_cluster(size) if vendor == "postgresql" else None
    try:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(vendor, size, base),
            "DJANGO_SETTINGS_MODULE": "coopdir.test_settings",
        }
        done = subprocess.run(
            [sys.executable, "-m", "tests.bench.responses", command, vendor, str(size)],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
    finally:
        if base:
            stop_cluster()
    return json.loads(done.stdout.strip().splitlines()[-1])


def fmt(value, spec=".0f"):
    return "–" if value is None else format(value, spec)


def table(run):
    """Return the Markdown table of one run: per class p50 / p95, requests per
    second at CLIENTS clients, server CPU per request, and the ratios to
    Datasette's answer to the same question."""
    results, ds = run["results"], run["results"]["datasette"]
    lines = [
        f"\n{run['vendor']} {run['size']:,} organisations (load average after: "
        f"{', '.join(f'{x:.1f}' for x in run['load_average_after'])})\n",
        "| class | p50 / p95 ms | req/s at "
        f"{CLIENTS} | server CPU ms/req | Datasette p50 / p95 | Datasette req/s | "
        "Datasette CPU ms/req | CPU ÷ Datasette's | req/s ÷ Datasette's |",
        "|---" * 9 + "|",
    ]
    for name, result in results["coopdir"].items():
        other = ds.get(run["matches"].get(name)) or {}
        lines.append(
            f"| {name} | {fmt(result['p50'])} / {fmt(result['p95'])} | "
            f"{fmt(result.get('rps'), '.1f')} | {fmt(result.get('cpu_ms'), '.1f')} | "
            + (
                f"{fmt(other.get('p50'))} / {fmt(other.get('p95'))} | "
                f"{fmt(other.get('rps'), '.1f')} | {fmt(other.get('cpu_ms'), '.1f')} | "
                f"{fmt(ratio(result.get('cpu_ms'), other.get('cpu_ms')), '.2f')} | "
                f"{fmt(ratio(result.get('rps'), other.get('rps')), '.2f')} |"
                if other
                else "| | | | |"
            )
        )
    for name, result in results["hello"].items():
        lines.append(
            f"| WSGI {name} | {fmt(result['p50'], '.1f')} / {fmt(result['p95'], '.1f')}"
            f" | {fmt(result.get('rps'), '.1f')} | {fmt(result.get('cpu_ms'), '.2f')} "
            "| | | | | |"
        )
    failed = {
        f"{server} {name}": result.get("single_failed", 0)
        + result.get("load_failed", 0)
        for server in results
        for name, result in results[server].items()
        if result.get("single_failed") or result.get("load_failed")
    }
    if failed:
        lines.append(f"\nNot 200 (timeouts included): {failed}")
    return "\n".join(lines)


def main():
    from tests.bench.test_bench import machine, sizes

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    runs = []
    for vendor in os.environ.get("BENCH_HTTP_DATABASES", "sqlite,postgresql").split(
        ","
    ):
        vendor = vendor.strip()
        sqlite = vendor == "sqlite"
        env_name = "BENCH_HTTP_SQLITE_SIZES" if sqlite else "BENCH_HTTP_PG_SIZES"
        for size in sizes(env_name, "100000" if sqlite else "1000000"):
            print(f"\n{vendor} {size:,} organisations …", file=sys.stderr, flush=True)
            runs.append(measure(vendor, size))
    report = {"machine": machine(), "runs": runs}
    (BENCH_DIR / "results-http.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report["machine"]))
    for run_ in runs:
        print(table(run_))


if __name__ == "__main__":
    if sys.argv[1:2] == ["run"]:
        run(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1:2] == ["prepare"]:
        measure(sys.argv[2], int(sys.argv[3]), "generate")
    elif sys.argv[1:2] == ["generate"]:
        import django

        django.setup()
        from tests.bench.measure import prepare

        prepare(int(sys.argv[3]))
        print("{}")
    else:
        main()
