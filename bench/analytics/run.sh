#!/usr/bin/env bash
# Analytics: report latency on two years of seeded history, ingestion rate and event-to-figure
# lag through a real NATS; see run.py for what it does. For the PostgreSQL half it needs a
# server at BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres);
# without one it measures SQLite only and says so.
set -euo pipefail
cd "$(dirname "$0")/../.."
# uv from PATH, else the copy `make install` keeps under .tools/ (not on PATH).
PATH="$PATH:$PWD/.tools/uv/bin"
exec uv run python bench/analytics/run.py "$@"
