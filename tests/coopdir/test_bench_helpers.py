"""The bench's own helpers (the bench itself runs with `make bench`, not here)."""

import sqlite3
from types import SimpleNamespace

import pytest
from django.db import connection

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
