"""bin/backup and bin/restore: a PostgreSQL database dumped with pg_dump comes
back whole with pg_restore, into an empty database and over a used one."""

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVER = os.environ.get("BACKUP_TEST_SERVER", "postgres://postgres@127.0.0.1:5432")
SCHEMA = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE sector (id bigserial PRIMARY KEY, slug text UNIQUE NOT NULL);
CREATE TABLE organisation (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    sector_id bigint REFERENCES sector (id),
    founded date
);
CREATE INDEX organisation_name_trgm ON organisation USING gin (name gin_trgm_ops);
INSERT INTO sector (slug) VALUES ('agriculture'), ('machinery');
INSERT INTO organisation (name, sector_id, founded) VALUES
    ('中华全国供销合作总社', 1, '1954-07-01'),
    ('Confédération générale des SCOP', 2, NULL),
    ('O''Brien & Co-op "Ltd"', NULL, '2001-01-31');
"""
SNAPSHOT = """
SELECT json_agg(o ORDER BY o.id) FROM organisation o;
SELECT json_agg(s ORDER BY s.id) FROM sector s;
SELECT similarity(name, 'Confederation generale') > 0.2 FROM organisation WHERE id = 2;
SELECT indexname FROM pg_indexes WHERE indexname = 'organisation_name_trgm';
"""

pytestmark = pytest.mark.skipif(
    not (shutil.which("pg_dump") and shutil.which("pg_restore")),
    reason="the PostgreSQL client (pg_dump, pg_restore) is not installed",
)


def psql(url, sql):
    done = subprocess.run(
        ["psql", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-Atq", url, "-c", sql],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def script(name, *args, url, **environ):
    env = {**os.environ, "DATABASE_URL": url, **environ}
    return subprocess.run(
        [str(ROOT / "bin" / name), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.fixture
def databases():
    names = [f"coopdir_backup_test_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    for name in names:
        psql(f"{SERVER}/postgres", f"CREATE DATABASE {name}")
    yield [f"{SERVER}/{name}" for name in names]
    for name in names:
        psql(f"{SERVER}/postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_a_dump_restores_whole_into_an_empty_database(databases, tmp_path):
    source, target = databases
    psql(source, SCHEMA)
    done = script("backup", str(tmp_path), url=source)
    assert done.returncode == 0, done.stderr
    dump = Path(done.stdout.strip())
    assert dump.parent == tmp_path and dump.name.startswith("coopdir-")
    assert dump.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert not list(tmp_path.glob("*.partial"))

    done = script("restore", str(dump), url=target)
    assert done.returncode == 0, done.stderr
    assert psql(target, SNAPSHOT) == psql(source, SNAPSHOT)
    assert "t\n" in psql(target, SNAPSHOT)
    # The sequences came along: a new row gets the next id, not a duplicate.
    assert psql(target, "INSERT INTO sector (slug) VALUES ('x') RETURNING id") == "3\n"


def test_a_restore_replaces_what_a_used_database_holds(databases, tmp_path):
    source, target = databases
    psql(source, SCHEMA)
    dump = Path(script("backup", str(tmp_path), url=source).stdout.strip())
    psql(target, SCHEMA + "DELETE FROM organisation WHERE id = 1;")
    psql(target, "INSERT INTO organisation (name) VALUES ('written after')")
    done = script("restore", str(dump), url=target)
    assert done.returncode == 0, done.stderr
    assert psql(target, SNAPSHOT) == psql(source, SNAPSHOT)


def test_a_failed_restore_changes_nothing(databases, tmp_path):
    source, target = databases
    psql(source, SCHEMA)
    psql(target, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (7);")
    broken = tmp_path / "broken.dump"
    broken.write_bytes(b"PGDMP not really a dump")
    done = script("restore", str(broken), url=target)
    assert done.returncode != 0
    assert psql(target, "SELECT id FROM kept") == "7\n"


def test_old_dumps_beyond_the_number_kept_are_removed(databases, tmp_path):
    source, _target = databases
    psql(source, SCHEMA)
    for day in (1, 2):
        old = tmp_path / f"coopdir-2020010{day}T000000Z.dump"
        old.write_bytes(b"old")
        os.utime(old, (day * 86400, day * 86400))
    done = script("backup", str(tmp_path), url=source, BACKUP_KEEP="2")
    assert done.returncode == 0, done.stderr
    kept = sorted(p.name for p in tmp_path.glob("coopdir-*.dump"))
    assert len(kept) == 2 and "coopdir-20200102T000000Z.dump" in kept


def test_backup_refuses_a_database_that_is_not_postgresql(tmp_path):
    done = script("backup", str(tmp_path), url="sqlite:///db.sqlite3")
    assert done.returncode == 2
    assert "not a postgres:// URL" in done.stderr
