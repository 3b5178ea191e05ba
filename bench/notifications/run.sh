#!/usr/bin/env bash
# One notifications replica's real-time channel: memory per idle socket and push latency at
# a fixed rate; see run.py for what it does. The status change → socket latency of the whole
# system is the saga bench's: bench/saga/run.sh --wait ws.
set -euo pipefail
cd "$(dirname "$0")/../.."
# uv from PATH, else the copy `make install` keeps under .tools/ (not on PATH).
PATH="$PATH:$PWD/.tools/uv/bin"
exec uv run python bench/notifications/run.py "$@"
