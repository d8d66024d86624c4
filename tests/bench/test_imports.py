"""`make bench`: the SSE file's import through the admin, on a fresh SQLite database
(and on PostgreSQL where BENCH_IMPORT_PG_URL names an empty database to use).

Each run is a subprocess (tests/bench/imports.py) with a database of its own, so
the figures are those of the import alone.
"""

import json
import os
import subprocess
import sys

import pytest

from tests.bench.imports import ROOT, SSE_FILE, TARGETS


def run(database_url=None):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if database_url:
        env["DATABASE_URL"] = database_url
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.imports"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    lines = done.stdout.strip().splitlines()
    print("\n" + lines[-2])
    return json.loads(lines[-1])


@pytest.mark.skipif(not SSE_FILE.exists(), reason="../shared/data is not beside")
def test_sse_import_time():
    runs = {"SQLite": run()}
    if os.environ.get("BENCH_IMPORT_PG_URL"):
        runs["PostgreSQL"] = run(os.environ["BENCH_IMPORT_PG_URL"])
    for engine, report in runs.items():
        assert report["created"] > 1700  # the file's accepted rows, all written
        print(
            f"SSE import ({engine}): dry run {report['dry_run_s']:.1f} s, apply "
            f"{report['apply_s']:.1f} s (targets {TARGETS['dry run']} / "
            f"{TARGETS['apply']} s)"
        )
