"""What the CLI prints: tables and JSON on stdout, progress and errors on stderr.

Everything that came from the service goes through :func:`terminal.printable` on
its way to a table, a status line or an error line; JSON keeps the raw values.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

from .models import MetadataTask, MigratedMetadata, TaskDetail
from .outputs import task_outputs
from .settings import Settings
from .terminal import encodable, printable
from .waiting import WaitPolicy

# -- stdout --------------------------------------------------------------------


def _columns(rows: Sequence[Sequence[str]]) -> str:
    cells = [[printable(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )


def tasks_table(tasks: Sequence[MetadataTask]) -> str:
    rows = [("TASK ID", "NAME", "TYPE", "STATUS", "START DATE")]
    rows += [(t.id, t.name, t.type, t.status, t.start_date) for t in tasks]
    counts: dict[str, int] = {}
    for task in tasks:
        counts[task.status] = counts.get(task.status, 0) + 1
    summary = printable(", ".join(f"{n} {status}" for status, n in counts.items()))
    noun = "task" if len(tasks) == 1 else "tasks"
    return _columns(rows) + f"\n\n{len(tasks)} {noun}" + (f": {summary}" if summary else "")


def task_table(outputs: Mapping[str, Any]) -> str:
    """One task as aligned ``field  value`` lines, fields named as in the JSON."""
    rows = [
        (field, str(outputs[field]) if outputs[field] is not None else "-")
        for field in (
            "task_id",
            "name",
            "type",
            "status",
            "start_date",
            "instance_id",
            "project_id",
            "region",
        )
    ]
    if outputs["undocumented"]:
        rows.append(("undocumented", ", ".join(outputs["undocumented"])))
    migrated = [kind for kind in MigratedMetadata.KINDS if outputs[kind]]
    for kind in migrated:
        rows.append((kind, f"{len(outputs[kind])}: {', '.join(outputs[kind])}"))
    if not migrated:
        rows.append(("migrated", "no metadata reported"))
    return _columns(rows)


def json_text(data: Mapping[str, Any], stream: TextIO) -> str:
    """Raw values as JSON; ``\\u`` escapes only where ``stream`` cannot encode a character."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if encodable(text, stream) != text:  # a lone surrogate, or a non-UTF-8 locale
        text = json.dumps(data, indent=2, ensure_ascii=True)
    return text


def emit(output: str, data: Mapping[str, Any], table: Callable[[], str]) -> None:
    text = json_text(data, sys.stdout) if output == "json" else table()
    print(encodable(text, sys.stdout), flush=True)


def emit_task(output: str, detail: TaskDetail, instance_id: str, settings: Settings) -> None:
    outputs = task_outputs(detail.task, detail.metadata, instance_id, settings)
    emit(output, outputs, lambda: task_table(outputs))


# -- stderr --------------------------------------------------------------------


def error_line(prog: str, message: str) -> str:
    """One line, whatever the message holds: ``prog: error: message``."""
    return f"{prog}: error: {' '.join(printable(message).split())}"


def say(stream: TextIO, text: str, end: str = "\n") -> None:
    stream.write(encodable(text, stream) + end)
    stream.flush()


def clock_text(seconds: float) -> str:
    """``12s``, ``4m05s``, ``1h02m``: short enough for a status line."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


class Progress:
    """Says each new status on stderr; on a terminal also keeps one live line up to date."""

    def __init__(self, stream: TextIO, policy: WaitPolicy) -> None:
        self.stream = stream
        self.policy = policy
        self.live = stream.isatty()
        self.started = time.monotonic()
        self.reads = 0
        self.task: MetadataTask | None = None
        self._shown = False

    def change(self, task: MetadataTask, elapsed: float) -> None:
        self.clear()
        text = f"{task.name} ({task.id}) is {task.status}"
        say(self.stream, f"[{clock_text(elapsed)}] {printable(text)}")

    def poll(self, task: MetadataTask, elapsed: float) -> None:
        self.reads += 1
        self.task = task
        self._draw()

    def sleep(self, seconds: float) -> None:
        """Sleep, redrawing the live line each second so its clock keeps moving."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            time.sleep(min(left, 1.0) if self.live else left)
            self._draw()

    def clear(self) -> None:
        if self._shown:
            say(self.stream, "\r\x1b[K", end="")
            self._shown = False

    def _draw(self) -> None:
        if not self.live or self.task is None:
            return
        elapsed = time.monotonic() - self.started
        left = max(0.0, self.policy.timeout - elapsed)
        state = printable(f"{self.task.name} is {self.task.status}")
        say(
            self.stream,
            f"\r\x1b[K[{clock_text(elapsed)}] {state}, "
            f"waiting for {' or '.join(self.policy.wait_for)} "
            f"({self.reads} read{'' if self.reads == 1 else 's'}, gives up in {clock_text(left)})",
            end="",
        )
        self._shown = True
