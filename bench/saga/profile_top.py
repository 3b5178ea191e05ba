"""Sum up the py-spy profiles ``bench/saga/run.sh --profile DIR`` recorded.

For each file (collapsed stacks, one ``frame;frame;... count`` a line): the samples, the
functions with the most *own* time (the innermost frame) and the frames with the most time
*inclusive* (anywhere on the stack), as shares of the file's samples. ``--match`` adds the
inclusive share of frames whose text contains each given string (``aiosqlite``,
``relay.py``...). Usage:

    .venv/bin/python bench/saga/profile_top.py DIR/sqlite-c8-orders-*.txt --top 25
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

# "function (path/to/module.py:123)": the line number is dropped so that one function is one row.
LINE = re.compile(r":\d+\)$")


def frame_name(frame: str) -> str:
    return LINE.sub(")", frame.strip())


def read(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append(([frame_name(f) for f in stack.split(";")], int(count)))
    return stacks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--match", action="append", default=[])
    args = parser.parse_args()
    for path in args.files:
        stacks = read(path)
        total = sum(count for _, count in stacks) or 1
        own: Counter[str] = Counter()
        inclusive: Counter[str] = Counter()
        for frames, count in stacks:
            own[frames[-1]] += count
            for frame in set(frames):
                inclusive[frame] += count
        print(f"== {path.name}: {total} samples")
        print("   own time:")
        for frame, count in own.most_common(args.top):
            print(f"   {100 * count / total:5.1f} %  {frame}")
        print("   inclusive:")
        for frame, count in inclusive.most_common(args.top):
            print(f"   {100 * count / total:5.1f} %  {frame}")
        for text in args.match:
            count = sum(c for frames, c in stacks if any(text in f for f in frames))
            print(f"   {100 * count / total:5.1f} %  anywhere on the stack: {text}")


if __name__ == "__main__":
    main()
