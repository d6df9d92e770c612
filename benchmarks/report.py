"""Turn the figures into targets (PASS/MISS) and markdown tables."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pulumi_rocketmq_migration.listing import planned_pages

from . import plugin, scale
from .listing import PAGE

PROVIDER_BUDGET = 1024  # bytes of serialized provider per lookup
RAW_FACTOR = 1.3
PREVIEW_FACTOR = 1.25


def machine() -> dict[str, Any]:
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def slope(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares seconds per resource through (K, seconds) points."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


def per_resource(timings: dict[str, Any], kind: str, step: str) -> float | None:
    rows = timings.get(kind, {})
    if len(rows) < 2:
        return None
    return slope([(int(k), v[step]["median_seconds"]) for k, v in rows.items()])


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def add(name: str, ok: bool | None, detail: str) -> None:
        verdict = "n/a" if ok is None else ("PASS" if ok else "MISS")
        found.append({"target": name, "verdict": verdict, "detail": detail})

    listing = results.get("listing")
    if listing:
        wrong = [
            f"N={n}: {row['ours']['requests']}"
            for n, row in listing.items()
            if row["ours"]["requests"] != planned_pages(int(n), PAGE)
        ]
        counts = ", ".join(f"N={n}: {row['ours']['requests']}" for n, row in listing.items())
        add(
            "listing N tasks takes ceil(N/50) requests, +1 when N is a multiple of 50",
            not wrong,
            counts,
        )
        largest = max(listing, key=int)
        ours = listing[largest]["ours"]["median_seconds"]
        raw = listing[largest]["raw"]["median_seconds"]
        add(
            f"our client within {RAW_FACTOR}x of raw requests at N={largest}",
            ours <= RAW_FACTOR * raw,
            f"{ours / raw:.2f}x ({ours:.3f} s vs {raw:.3f} s)",
        )
        with_sdk = [n for n, row in listing.items() if "official" in row]
        n = max(with_sdk, key=int)
        sdk = listing[n]["official"]["median_seconds"]
        ours = listing[n]["ours"]["median_seconds"]
        add(
            f"our client faster than the official SDK at N={n}",
            ours < sdk,
            f"{ours / sdk:.2f}x ({ours:.3f} s vs {sdk:.3f} s)",
        )
    for name, ok, detail in scale.targets(results.get("scale", {})):
        add(name, ok, detail)
    for name, ok, detail in plugin.targets(results.get("plugin", {})):
        add(name, ok, detail)
    stacks = results.get("stacks")
    if stacks:
        rtt = results["round_trip"]["ours"]
        for step, label in (("preview", "empty stack"), ("preview_again", "deployed stack")):
            lookup = per_resource(stacks["timings"], "lookup", step)
            noop = per_resource(stacks["timings"], "noop", step)
            if lookup is None or noop is None:
                add(f"per-lookup preview cost ({label})", None, "needs two or more K")
                continue
            budget = PREVIEW_FACTOR * (noop + rtt)
            detail = (
                f"{lookup * 1000:.1f} ms vs (no-op {noop * 1000:.1f} ms + RTT "
                f"{rtt * 1000:.2f} ms) x 1.25 = {budget * 1000:.1f} ms"
            )
            shaped = per_resource(stacks["timings"], "shaped", step)
            if shaped is not None:
                detail += f"; a no-op shaped like a lookup costs {shaped * 1000:.1f} ms"
            add(
                f"per-lookup preview cost ({label}) within 25% of no-op + one round trip",
                lookup <= budget,
                detail,
            )
        state = stacks["state"]["lookup"]
        size = max(row["provider_bytes"] for row in state.values())
        add(
            "serialized provider per lookup <= 1 KiB",
            2 * size <= PROVIDER_BUDGET,
            f"{size:.0f} B of __provider, in inputs and outputs: {2 * size:.0f} B per lookup",
        )
    return found


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f}"


def _s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.3f}"


def _kib(value: float | None) -> str:
    return "-" if value is None else f"{value / 1024:.1f}"


def _mib(kib: int | None) -> str:
    return "-" if kib is None else f"{kib / 1024:.1f}"


KIND_LABELS = {"lookup": "lookups", "noop": "no-op", "shaped": "no-op shaped like a lookup"}
STEP_LABELS = {"preview": "preview", "up": "up --yes", "preview_again": "preview again"}


def _stack_tables(stacks: dict[str, Any]) -> list[str]:
    timings, state, memory = stacks["timings"], stacks["state"], stacks["memory"]
    kinds = [kind for kind in KIND_LABELS if kind in timings]
    lines = [
        "Pulumi: K lookups against K no-op dynamic resources (median wall seconds):",
        "",
        "| K | resources | " + " | ".join(STEP_LABELS.values()) + " | reps |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for k in timings["lookup"]:
        for kind in kinds:
            row = timings[kind][k]
            cells = " | ".join(_s(row[step]["median_seconds"]) for step in STEP_LABELS)
            lines.append(
                f"| {k} | {KIND_LABELS[kind]} | {cells} | {len(row['preview']['seconds'])} |"
            )
    for kind in kinds:
        cells = " | ".join(_ms(per_resource(timings, kind, step)) for step in STEP_LABELS)
        lines.append(f"| ms per resource (slope) | {KIND_LABELS[kind]} | {cells} | |")
    largest = max(state["lookup"], key=int)
    lines += [
        "",
        f"State and memory (K={largest}):",
        "",
        "| | " + " | ".join(KIND_LABELS[kind] for kind in kinds) + " |",
        "|---|" + "---:|" * len(kinds),
    ]
    rows = (
        ("`__provider` bytes per resource (inputs; outputs hold it again)", "provider_bytes"),
        (f"state bytes, K={largest} (`pulumi stack export`)", "state_bytes"),
        ("bytes of one resource in the state (JSON)", "resource_json_bytes"),
    )
    for label, key in rows:
        cells = " | ".join(f"{state[kind][largest][key]:,.0f}" for kind in kinds)
        lines.append(f"| {label} | {cells} |")
    for key, label in (
        ("provider_kib", "dynamic provider process"),
        ("program_kib", "program process"),
        ("engine_kib", "pulumi engine"),
    ):
        cells = " | ".join(_mib(memory.get(kind, {}).get(key)) for kind in kinds)
        lines.append(f"| peak RSS MiB during `up`, {label} | {cells} |")
    lines.append("")
    return lines


def markdown(results: dict[str, Any]) -> str:
    lines: list[str] = []
    listing = results.get("listing")
    if listing:
        lines += [
            "Listing every task (median wall seconds; page size 50):",
            "",
            "| N | ours | official SDK | raw requests | ours/official | ours/raw "
            "| client CPU s (ours, SDK, raw) | requests (ours, SDK, raw) | response KiB | reps |",
            "|---:|---:|---:|---:|---:|---:|---|---|---:|---:|",
        ]
        for n, row in listing.items():
            ours = row["ours"]["median_seconds"]
            sdk = row.get("official", {}).get("median_seconds")
            raw = row["raw"]["median_seconds"]
            requests = ", ".join(
                str(row[c]["requests"]) if c in row else "-" for c in ("ours", "official", "raw")
            )
            cpu = ", ".join(
                _s(row[c]["median_cpu_seconds"]) if c in row else "-"
                for c in ("ours", "official", "raw")
            )
            vs_sdk = f"{ours / sdk:.2f}" if sdk else "-"
            reps = "/".join(str(len(row[c]["seconds"])) for c in row)
            lines.append(
                f"| {int(n):,} | {_s(ours)} | {_s(sdk)} | {_s(raw)} | {vs_sdk} | {ours / raw:.2f} "
                f"| {cpu} | {requests} | {_kib(row['ours']['bytes'])} | {reps} |"
            )
        lines.append("")
    rtt = results.get("round_trip")
    if rtt:
        lines += [
            f"One request round trip (median, warm connection): ours (signed, detail form) "
            f"{_ms(rtt['ours'])} ms, raw {_ms(rtt['raw'])} ms" + ".",
            "",
        ]
    stacks = results.get("stacks")
    if stacks:
        lines += _stack_tables(stacks)
    lines += scale.markdown(results.get("scale", {}))
    if results.get("plugin"):
        lines += plugin.markdown(results["plugin"])
    found = results.get("targets", [])
    if found:
        if results.get("quick"):
            lines += [
                "--quick: one or two repetitions, K up to 20; the verdicts are not reliable.",
                "",
            ]
        lines += ["| target | result | measured |", "|---|---|---|"]
        lines += [f"| {t['target']} | {t['verdict']} | {t['detail']} |" for t in found]
        lines.append("")
    m = results["machine"]
    lines.append(
        f"Machine: {m['cpus']} CPUs, {m['cpu_model']}, Python {m['python']}, {m['platform']}; "
        f"load average {results['load_before']} before, {results['load_after']} after; "
        f"run took {results['wall_seconds']:.0f} s."
    )
    return "\n".join(lines)
