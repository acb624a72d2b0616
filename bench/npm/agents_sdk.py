"""The OpenAI Agents SDK's SQLiteSession on the npm bench's workload, for the comparison in
docs/performance.md ("Beside the OpenAI Agents SDK"): W1 single appends, W2 appends in batches,
W3 reading them back, on a file in WAL mode at the SDK's own durability (SQLite's default
`synchronous = FULL`). `bench/npm/beside-sdk` installs the SDK into a venv of its own, runs this
beside `bench.mjs` and prints the ratios; alone:

    <venv>/bin/python bench/npm/agents_sdk.py [--w1 5000] [--w2 50000] [--batch 100] [--reps 3]
"""

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from agents import SQLiteSession


def items(n):
    return [{"role": "user", "content": f"message {i}"} for i in range(n)]


async def repetition(path, w1, w2, batch):
    one = SQLiteSession("w1", str(path))
    t = time.perf_counter()
    for item in items(w1):
        await one.add_items([item])
    r1 = w1 / (time.perf_counter() - t)
    many = SQLiteSession("w2", str(path))
    all_items = items(w2)
    t = time.perf_counter()
    for i in range(0, w2, batch):
        await many.add_items(all_items[i : i + batch])
    r2 = w2 / (time.perf_counter() - t)
    t = time.perf_counter()
    read = await many.get_items()
    r3 = w2 / (time.perf_counter() - t)
    assert len(read) == w2, f"read {len(read)} of {w2}"
    one.close()
    many.close()
    return r1, r2, r3


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--w1", type=int, default=5000)
    parser.add_argument("--w2", type=int, default=50000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as dir:
        for rep in range(args.reps):
            runs.append(await repetition(Path(dir) / f"sdk-{rep}.sqlite", args.w1, args.w2, args.batch))
    for name, column in zip(("W1", "W2", "W3"), zip(*runs)):
        print(f"  {name} agents-sdk-sqlite: {statistics.median(column):.0f}/s")


asyncio.run(main())
