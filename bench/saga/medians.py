"""Medians over several runs of ``bench/saga/run.sh --json FILE``: one row per engine and
concurrency, as docs/benchmarks.md quotes them. Usage:

    .venv/bin/python bench/saga/medians.py round1.json round2.json round3.json
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

COLUMNS = (
    ("sagas/s", lambda level: level["sagas_per_s"], "{:.1f}"),
    ("p50 ms", lambda level: level["latency_p50_ms"], "{:.0f}"),
    ("p95 ms", lambda level: level["latency_p95_ms"], "{:.0f}"),
    ("p99 ms", lambda level: level["latency_p99_ms"], "{:.0f}"),
    ("order p50", lambda level: level["order_p50_ms"], "{:.0f}"),
    ("payment p50", lambda level: level["payment_p50_ms"], "{:.0f}"),
    ("paid lag p50", lambda level: level["lag_p50_ms"], "{:.0f}"),
    ("orders CPU %", lambda level: level["cpu_percent"].get("orders", 0), "{:.0f}"),
    # CPU time orders spent per completed saga: its share of a core over the sagas per second.
    ("orders ms/saga", lambda level: 10 * level["cpu_percent"].get("orders", 0)
     / max(level["sagas_per_s"], 1e-9), "{:.0f}"),
    ("rest %", lambda level: level["rest_cpu_percent"], "{:.0f}"),
    ("load", lambda level: level["loadavg_after"][0], "{:.1f}"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    runs: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for path in args.files:
        for result in json.loads(path.read_text())["results"]:
            for level in result["levels"]:
                runs.setdefault((result["engine"], level["concurrency"]), []).append(level)
    print("| engine | C | " + " | ".join(name for name, _, _ in COLUMNS) + " | runs |")
    print("|---|---:|" + "---:|" * len(COLUMNS) + "---:|")
    for (engine, concurrency), levels in runs.items():
        cells = [form.format(statistics.median(value(level) for level in levels))
                 for _, value, form in COLUMNS]
        print(f"| {engine} | {concurrency} | " + " | ".join(cells) + f" | {len(levels)} |")


if __name__ == "__main__":
    main()
