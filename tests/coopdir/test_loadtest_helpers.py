"""The load test's own helpers (the load test itself runs with `make loadtest`)."""

import os
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import cycle

import pytest

from tests.bench import loadtest


def test_schedule_holds_each_class_as_often_as_its_weight():
    order = loadtest.schedule({"a": 3, "b": 1, "c": 0}, random.Random(1))
    assert sorted(order) == ["a", "a", "a", "b"]


def test_the_most_clients_run_longest():
    assert loadtest.level_seconds(64, [4, 16, 64], 60, 20) == 60
    assert loadtest.level_seconds(4, [4, 16, 64], 60, 20) == 20


def test_class_stats_count_errors_and_5xx_per_class_and_overall():
    records = [("home", 200, float(ms)) for ms in range(1, 101)]
    records += [("api", 503, 5.0), ("api", 0, 60000.0), ("api", 404, 2.0)]
    stats = loadtest.class_stats(records, elapsed=2.0)
    assert list(stats) == ["api", "home", "all"]
    home = stats["home"]
    assert home["requests"] == 100 and home["rps"] == 50.0
    assert (home["p50"], home["p95"], home["p99"]) == (51.0, 95.0, 99.0)
    assert home["errors"] == home["5xx"] == 0
    # No answer (0) and a 404 are errors; only the 503 is a 5xx.
    assert stats["api"]["errors"] == 3 and stats["api"]["5xx"] == 1
    assert stats["all"]["requests"] == 103 and stats["all"]["errors"] == 3


def figures(rps, p95=10.0, errors=0):
    return {
        "requests": 10,
        "rps": rps,
        "p50": 1.0,
        "p95": p95,
        "p99": p95,
        "errors": errors,
        "5xx": 0,
    }


def test_the_table_gives_each_class_as_a_share_of_hello():
    hello = {"hello": figures(1000.0), "all": figures(1000.0)}
    runs = {"mix": {"home": figures(250.0), "all": figures(250.0)}}
    table = loadtest.level_table(4, 20, runs, hello)
    assert "| mix | home | 10 | 250.0 | 1.0 | 10.0 | 10.0 | 0 | 0 | 0.250 |" in table
    assert "| hello | hello | 10 | 1000.0 |" in table
    assert "| hello | all |" not in table  # one class: not repeated


def level(mix_rps, cached_rps, hello_rps, p95, errors=0, seconds=60):
    return {
        "seconds": seconds,
        "mix": {
            loadtest.UNCACHED: figures(mix_rps, p95),
            "all": figures(mix_rps, 1, errors),
        },
        "cached": {"all": figures(cached_rps)},
        "hello": {"all": figures(hello_rps)},
    }


def test_verdicts_judge_the_issues_targets():
    met = loadtest.verdicts(
        {4: level(10, 600, 1000, 90, seconds=20), 64: level(10, 500, 1000, 900)}
    )
    assert [m for m, _text in met] == [True, True, True, True, None]
    missed = loadtest.verdicts(
        {4: level(10, 100, 1000, 150), 64: level(10, 499, 1000, 90, errors=1)}
    )
    assert [m for m, _text in missed] == [False, False, False, False, None]
    # Without errors but shorter than the issue's 60 s, the first is not met.
    short = loadtest.verdicts({64: level(10, 500, 1000, 50, seconds=5)})
    assert short[0][0] is False
    # Nor with fewer clients than the issue's 64.
    fewer = loadtest.verdicts({16: level(10, 500, 1000, 50)})
    assert fewer[0][0] is False


@pytest.fixture
def local_server():
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            self.send_response(200 if self.path != "/broken" else 500)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], seen
    server.shutdown()
    server.server_close()


def test_drive_stops_at_its_request_bound_and_asks_unique_paths_once(local_server):
    port, seen = local_server
    unique = cycle([f"/u/{i}" for i in range(50)])
    mix = {"unique": (1, unique), "broken": (1, ["/broken"])}
    records, _elapsed = loadtest.drive(port, mix, 30, 4, max_requests=40)
    # A client may finish the request it took before the bound was reached.
    assert 40 <= len(records) < 44
    asked = [p for p in seen if p.startswith("/u/")]
    assert len(asked) == len(set(asked))
    assert {status for name, status, _ms in records if name == "broken"} == {500}
    # The same iterator continues where the last run left off.
    assert next(unique) == f"/u/{len(asked)}"


def test_busy_ticks_leave_out_idle_iowait_and_steal():
    line = "cpu  100 20 30 5000 40 6 7 800 0 0"
    assert loadtest.busy_ticks(line) == 100 + 20 + 30 + 6 + 7


def test_cpu_shares_split_the_machine_between_server_generator_and_others():
    tick = os.sysconf("SC_CLK_TCK")
    shares = loadtest.cpu_shares(
        server=2 * tick, generator=tick, machine=4 * tick, elapsed=2.0, requests=100
    )
    assert shares == {
        "server": 1.0,
        "generator": 0.5,
        "others": 0.5,
        "ms_per_request": 20.0,
    }
    assert loadtest.cpu_shares(0, 0, 0, 1.0, 0)["ms_per_request"] is None


def test_the_table_tells_the_cpu_each_part_used():
    hello = {"hello": figures(1000.0), "all": figures(1000.0)}
    hello["all"]["cpu"] = {
        "server": 1.2,
        "generator": 0.6,
        "others": 0.1,
        "ms_per_request": 1.25,
    }
    table = loadtest.level_table(4, 20, {}, hello)
    assert (
        "hello: server 1.20 cores (1.2 CPU ms/request), load generator 0.60, "
        "other processes 0.10" in table
    )
