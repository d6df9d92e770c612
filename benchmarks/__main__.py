"""``python -m benchmarks [--quick] [--only PART[,PART...]] [--out FILE]``.

Parts: listing, pulumi (loopback, as before); scale-listing, names, big, stack500
(issue 11: 50 ms latency, by-name lookups, a big task, 100 vs 500 lookups); plugin
(issue 16: start-up, 16 gates against 1, an invoke against a dynamic read). For a
cheap subset: ``make bench BENCH_ARGS="--only scale-listing,names"``.

Prints markdown tables and the targets (PASS/MISS), and writes every figure as JSON
(default ``bench-results/latest.json``). The emulator runs as a subprocess;
clients run in this process.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from . import listing, plugin, report, scale, stacks
from .common import REPO_ROOT, emulator, instance_id, task_ids

LIST_COUNTS = (100, 1_000, 10_000)
STACK_COUNTS = (1, 20, 100)
ROUND_TRIP_SAMPLES = 200
PARTS = ("listing", "pulumi", "scale-listing", "names", "big", "stack500", "plugin")
SCALE_PARTS = {"scale-listing": "listing", "names": "names", "big": "big", "stack500": "stack500"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: fewer reps, K up to 20, no SDK at 10k"
    )
    parser.add_argument(
        "--only",
        type=lambda text: set(text.split(",")),
        default=set(PARTS),
        help=f"comma-separated parts to run: {', '.join(PARTS)} (default: all)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO_ROOT / "bench-results" / "latest.json",
        help="where to write the JSON (default: bench-results/latest.json)",
    )
    return parser


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    unknown = args.only - set(PARTS)
    if unknown:
        _parser().error(f"unknown part(s) {', '.join(sorted(unknown))}; choose from {PARTS}")
    started = time.perf_counter()
    results: dict[str, Any] = {
        "machine": report.machine(),
        "quick": args.quick,
        "load_before": _load(),
        "emulator": "subprocess",
    }
    stack_counts = STACK_COUNTS[:2] if args.quick else STACK_COUNTS
    counts = sorted({*LIST_COUNTS, max(stack_counts)})
    with tempfile.TemporaryDirectory(prefix="rocketmq-bench-") as tmp:
        root = Path(tmp)
        with emulator(root, counts) as url:
            task_id = task_ids(counts, 1)[0]
            results["round_trip"] = listing.round_trip(
                url, task_id, max(counts), 50 if args.quick else ROUND_TRIP_SAMPLES
            )
            if "listing" in args.only:
                print("listing ...", file=sys.stderr, flush=True)
                reps = {100: 7, 1_000: 7, 10_000: 7}
                skip: set[tuple[str, int]] = set()
                if args.quick:
                    reps = {100: 2, 1_000: 2, 10_000: 1}
                    skip = {("official", 10_000)}
                results["listing"] = listing.run(url, LIST_COUNTS, reps, skip)
            if "pulumi" in args.only:
                print("pulumi ...", file=sys.stderr, flush=True)
                reps = {1: 1, 20: 1} if args.quick else {1: 5, 20: 5, 100: 3}
                ids = task_ids(counts, max(stack_counts))
                instance = instance_id(max(counts))
                results["stacks"] = stacks.run(
                    root / "pulumi", url, stack_counts, reps, instance, ids
                )
        parts = {SCALE_PARTS[p] for p in args.only if p in SCALE_PARTS}
        if parts:
            print(f"scale ({', '.join(sorted(parts))}) ...", file=sys.stderr, flush=True)
            results["scale"] = scale.run(root, parts, args.quick)
        if "plugin" in args.only:
            print("plugin ...", file=sys.stderr, flush=True)
            results["plugin"] = plugin.run(root / "plugin", args.quick)
    results["targets"] = report.targets(results)
    results["load_after"] = _load()
    results["wall_seconds"] = time.perf_counter() - started
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(report.markdown(results))
    print(f"\nFigures written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
