"""What the CLI prints, piece by piece: the clock, the tables, JSON a stream can carry."""

from __future__ import annotations

import io
import json

import pytest

from pulumi_rocketmq_migration.formatting import clock_text, error_line, json_text, tasks_table
from pulumi_rocketmq_migration.models import MetadataTask


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (59.9, "59s"),
        (60, "1m00s"),
        (245, "4m05s"),
        (3599, "59m59s"),
        (3600, "1h00m"),
        (3720, "1h02m"),
        (90061, "25h01m"),
    ],
)
def test_clock_text(seconds: float, text: str) -> None:
    assert clock_text(seconds) == text


def _task(task_id: str, name: str, status: str) -> MetadataTask:
    return MetadataTask(
        id=task_id, name=name, start_date="2024-06-01 09:00:00.00", status=status, type="rocketmq"
    )


def test_tasks_table_counts_each_status_in_order_of_appearance() -> None:
    table = tasks_table([_task("a", "x", "failed"), _task("b", "y", "finished")])
    assert table.endswith("\n\n2 tasks: 1 failed, 1 finished")
    assert tasks_table([_task("a", "x", "failed")]).endswith("\n\n1 task: 1 failed")
    assert tasks_table([]).endswith("\n\n0 tasks")


def test_tasks_table_aligns_on_the_escaped_text() -> None:
    rows = tasks_table([_task("a", "x\x1b", "failed"), _task("b", "long-name", "finished")])
    header, first, second = rows.split("\n\n")[0].splitlines()
    assert first.index("rocketmq") == second.index("rocketmq") == header.index("TYPE")


def test_error_line_is_one_line_with_single_spaces_and_inert_controls() -> None:
    assert error_line("prog", "a  b\tc\nd\x1be") == "prog: error: a b\\tc\\nd\\x1be"


def test_json_text_keeps_raw_values_and_escapes_only_what_a_stream_cannot_carry() -> None:
    utf8 = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    latin = io.TextIOWrapper(io.BytesIO(), encoding="latin-1")
    data = {"name": "订单\x1b", "odd": "lone \ud800"}
    assert json.loads(json_text({"name": "订单\x1b"}, utf8)) == {"name": "订单\x1b"}
    assert "订单" in json_text({"name": "订单"}, utf8)  # readable where it can be
    for stream in (utf8, latin):
        text = json_text(data, stream)
        text.encode(stream.encoding)  # printable on that stream, no crash
        assert json.loads(text) == data  # and still the raw values
