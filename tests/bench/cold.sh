#!/usr/bin/env bash
# The 1M PostgreSQL run from cold: for each checkout given, restart PostgreSQL
# (empty shared_buffers) and drop the OS page cache, then run the bench's own
# measurement (warm-up pass included) on coopdir_bench_SIZE, printing p95 per class.
# Needs root and a local cluster (pg_ctlcluster); the databases must exist
# (make bench generates them). Compare checkouts by passing them alternately:
#   tests/bench/cold.sh /tmp/old . /tmp/old .
# SIZE (default 1000000) and BENCH_PG_URL as for make bench.
set -euo pipefail
size="${SIZE:-1000000}"
base="${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}"
python="$(cd "$(dirname "$0")/../.." && pwd)/.venv/bin/python"
for dir in "$@"; do
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main restart
  sync
  echo 1 >/proc/sys/vm/drop_caches
  (cd "$dir" && DATABASE_URL="$base/coopdir_bench_$size" \
    DJANGO_SETTINGS_MODULE=coopdir.test_settings "$python" -m tests.bench.measure "$size" \
    2>/dev/null | tail -n1 | "$python" -c "
import json, sys
results = json.load(sys.stdin)['results']
print(sys.argv[1], '  '.join(f'{k}: {v[\"p95\"]:.1f}' for k, v in results.items()))
" "$dir")
done
