#!/usr/bin/env bash
# Gateway vs nginx throughput; see run.py for what it does. Needs wrk and nginx:
#   sudo apt-get install -y wrk nginx
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in wrk nginx; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "missing: $tool. Install it with: sudo apt-get install -y wrk nginx" >&2
        exit 1
    fi
done
# uv from PATH, else the copy `make install` keeps under .tools/ (not on PATH).
PATH="$PATH:$PWD/.tools/uv/bin"
exec uv run python bench/gateway/run.py "$@"
