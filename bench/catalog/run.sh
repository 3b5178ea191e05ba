#!/usr/bin/env bash
# Catalog search latency and product-page throughput; see run.py for what it does.
# Needs wrk (Debian: sudo apt-get install -y wrk) and, for the PostgreSQL half, a server at
# BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres); without one it
# measures SQLite only and says so.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v wrk >/dev/null 2>&1; then
    echo "missing: wrk. Install it with: sudo apt-get install -y wrk" >&2
    exit 1
fi
# uv from PATH, else the copy `make install` keeps under .tools/ (not on PATH).
PATH="$PATH:$PWD/.tools/uv/bin"
exec uv run python bench/catalog/run.py "$@"
