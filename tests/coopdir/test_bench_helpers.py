"""The bench's own helpers (the bench itself runs with `make bench`, not here)."""

import sqlite3
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection

from tests.bench import responses
from tests.bench.measure import (
    calibration,
    damon_reclaims,
    hold_in_memory,
    holds_in_memory,
    machine_times,
    percentile,
    stolen,
)


def test_percentile_picks_the_nearest_rank():
    values = list(range(1, 101))  # 1 … 100
    assert percentile(values, 0.5) == 51  # index round(0.5 * 99) = 50
    assert percentile(values, 0.95) == 95
    assert percentile([7.0], 0.95) == 7.0


def test_an_sqlite_database_is_read_whole_with_its_wal(tmp_path):
    path = tmp_path / "bench.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=wal")
    db.execute("CREATE TABLE t (x TEXT)")
    db.executemany("INSERT INTO t VALUES (?)", [("x" * 1000,)] * 200)
    db.commit()
    on_disk = path.stat().st_size + (tmp_path / "bench.sqlite3-wal").stat().st_size
    assert on_disk > 200_000
    fake = SimpleNamespace(vendor="sqlite", settings_dict={"NAME": str(path)})
    done, seconds = hold_in_memory(fake)
    db.close()
    assert done == on_disk
    assert seconds >= 0


@pytest.mark.django_db
def test_a_postgresql_database_is_read_table_and_index_alike():
    if connection.vendor != "postgresql":
        pytest.skip("pg_prewarm is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sum(pg_relation_size(c.oid)) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')"
        )
        public = cursor.fetchone()[0]
    done, _seconds = hold_in_memory(connection)
    assert done is not None, _seconds
    assert done >= public > 0


def test_steal_is_the_hosts_share_of_the_machines_time():
    before = {"user": 100, "system": 50, "idle": 800, "steal": 10}
    after = {"user": 160, "system": 70, "idle": 900, "steal": 30}
    assert stolen(before, after) == pytest.approx(20 / 200)
    assert stolen(None, after) is None
    assert stolen(before, before) is None  # no time passed


def test_machine_times_are_read_from_proc_stat():
    times = machine_times()
    if times is None:
        pytest.skip("no /proc/stat on this system")
    assert set(times) >= {"user", "system", "idle", "steal"}
    assert all(value >= 0 for value in times.values())


def test_calibration_times_a_real_loop():
    first, second = calibration(), calibration()
    assert first > 0 and second > 0
    # the same work: within a factor of ten of each other even on a busy machine
    assert 0.1 < first / second < 10


def kdamond(admin, name, state, actions):
    """Write a kdamond's sysfs files as the kernel lays them out."""
    base = admin / name
    base.mkdir(parents=True)
    (base / "state").write_text(f"{state}\n")
    for i, action in enumerate(actions):
        scheme = base / "contexts" / "0" / "schemes" / str(i)
        scheme.mkdir(parents=True)
        (scheme / "action").write_text(f"{action}\n")


def test_damon_reclaims_only_with_a_running_pageout_scheme(tmp_path):
    assert not damon_reclaims(tmp_path / "no-such-directory")
    admin = tmp_path / "kdamonds"
    admin.mkdir()
    (admin / "nr_kdamonds").write_text("0\n")
    assert not damon_reclaims(admin)
    kdamond(admin, "0", "off", ["pageout"])
    assert not damon_reclaims(admin)  # configured, not running
    kdamond(admin, "1", "on", ["stat"])
    assert not damon_reclaims(admin)  # running, only counting
    kdamond(admin, "2", "on", ["stat", "pageout"])
    assert damon_reclaims(admin)


def test_reading_into_memory_follows_the_setting(monkeypatch):
    assert holds_in_memory("1")
    assert not holds_in_memory("0")
    monkeypatch.setattr("tests.bench.measure.damon_reclaims", lambda: True)
    assert holds_in_memory("auto")
    monkeypatch.setattr("tests.bench.measure.damon_reclaims", lambda: False)
    assert not holds_in_memory("auto")


# --- tests/bench/responses.py: whole HTTP responses ------------------------------

# /proc/<pid>/stat: utime, stime, cutime, cstime are fields 14 to 17.
STAT = (
    "{pid} (gunicorn: worker [x]) S {ppid} 1 1 0 -1 4194560 10 0 0 0"
    " {u} {s} {cu} {cs} 20"
)


def write_stat(proc, pid, ppid, u, s, cu=0, cs=0):
    (proc / str(pid)).mkdir()
    line = STAT.format(pid=pid, ppid=ppid, u=u, s=s, cu=cu, cs=cs)
    (proc / str(pid) / "stat").write_text(line)


def test_a_stat_line_gives_own_and_reaped_childrens_ticks_and_the_parent():
    line = STAT.format(pid=7, ppid=3, u=11, s=5, cu=2, cs=1)
    assert responses.stat_ticks(line) == 19  # a name with spaces and brackets
    assert responses.stat_parent(line) == 3


def test_a_servers_cpu_is_its_whole_tree_and_nothing_else(tmp_path):
    write_stat(tmp_path, 10, 1, 4, 1)  # gunicorn's master
    write_stat(tmp_path, 11, 10, 100, 20)  # a worker
    write_stat(tmp_path, 12, 10, 50, 10, cu=3)  # a worker, with a reaped child
    write_stat(tmp_path, 13, 12, 7, 0)  # its live child
    write_stat(tmp_path, 20, 1, 999, 999)  # another process
    (tmp_path / "self").mkdir()
    assert responses.tree_ticks(10, proc=tmp_path) == 5 + 120 + 63 + 7
    assert responses.tree_ticks(99, proc=tmp_path) == 0  # gone


def test_shared_buffers_hold_the_search_table_and_never_shrink_below_default():
    assert responses.shared_buffers_mb(2000) == 128
    assert responses.shared_buffers_mb(100_000) == 128
    assert responses.shared_buffers_mb(1_000_000) == 1280


def test_datasette_is_asked_the_same_question_with_both_facets():
    params = {"q": "dairy union", "country": ["FI"], "sector": ["farming"]}
    path = responses.datasette_path(params)
    assert path.startswith("/bench/organisations.json?")
    query = parse_qs(urlsplit(path).query)
    assert query["_facet"] == ["country", "sector"]
    assert query["_search"] == ["dairy union"]
    assert query["country"] == ["FI"] and query["sector"] == ["farming"]
    assert query["_nosuggest"] == ["1"] and query["_size"] == ["20"]
    assert "_search" not in parse_qs(urlsplit(responses.datasette_path({})).query)


def test_coopdir_paths_carry_every_value_of_a_filter():
    path = responses.coopdir_path(
        "/organisations/", {"q": "a b", "country": ["FI", "SE"]}
    )
    assert path == "/organisations/?q=a+b&country=FI&country=SE"
    assert responses.coopdir_path("/", {}) == "/"


def test_ratios_and_summaries_keep_missing_figures_missing():
    assert responses.ratio(10, 20) == 0.5
    assert responses.ratio(None, 20) is None and responses.ratio(10, 0) is None
    assert responses.summary([]) == {"p50": None, "p95": None}
    assert responses.summary([3.0, 1.0, 2.0]) == {"p50": 2.0, "p95": 3.0}


def test_load_stops_by_itself_and_counts_what_was_answered():
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/ok" else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        done, failed, elapsed = responses.load(port, ["/ok", "/missing"], 0.3, 4)
    finally:
        server.shutdown()
    assert done > 0 and failed > 0
    assert abs(done - failed) <= 4  # the two paths in turn
    assert 0.3 <= elapsed < 5
