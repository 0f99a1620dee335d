"""Helpers for tests that talk to real servers: workbooks, polling, reading topics."""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from openpyxl import Workbook

from shared.contracts.columns import COLUMNS, MEMBERS_SHEET

T = TypeVar("T")


def docker_engine_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
        return True
    except Exception:
        return False


def workbook(rows: Iterable[dict[str, Any]], sheet: str = MEMBERS_SHEET, headers: list[str] | None = None) -> bytes:
    """An .xlsx with the template's header row and one row per dict (keys = column keys)."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    columns = [c for c in COLUMNS if headers is None or c.header in headers]
    ws.append([c.header for c in columns])
    for row in rows:
        ws.append([row.get(c.key) for c in columns])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def member(n: int, **overrides: Any) -> dict[str, Any]:
    """A member row that validation classifies ready (for a group with subgroup 0001)."""
    row = {
        "subgroup_id": "0001",
        "relationship": "Subscriber",
        "first_name": f"First{n}",
        "last_name": f"Last{n}",
        "ssn": f"{100 + n % 500:03d}-{10 + n % 89:02d}-{1000 + n:04d}",
        "date_of_birth": "1988-06-15",
    }
    row.update(overrides)
    return row


async def eventually(check: Callable[[], Awaitable[T]], timeout: float = 30.0, interval: float = 0.1) -> T:
    """Poll ``check`` until it returns something truthy; fail with its last answer at the deadline."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s; last answer: {last!r}")


async def read_topic(bootstrap: str, topic: str, expect: int, timeout: float = 30.0) -> list[tuple[bytes | None, dict]]:
    """(key, JSON value) of the first ``expect`` messages on a topic, from the beginning.

    Assigns partitions directly (no consumer group), so no group join to wait for.
    """
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = await eventually(lambda: _partitions(consumer, topic), timeout=timeout)
        consumer.assign([TopicPartition(topic, p) for p in partitions])
        await consumer.seek_to_beginning()
        found: list[tuple[bytes | None, dict]] = []
        deadline = time.monotonic() + timeout
        while len(found) < expect and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                found.extend((r.key, json.loads(r.value)) for r in records)
        return found
    finally:
        await consumer.stop()


async def topic_size(bootstrap: str, topic: str) -> int:
    """How many messages a topic holds (0 when it does not exist)."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = await _partitions(consumer, topic)
        if not partitions:
            return 0
        tps = [TopicPartition(topic, p) for p in partitions]
        ends = await consumer.end_offsets(tps)
        starts = await consumer.beginning_offsets(tps)
        return sum(ends[tp] - starts[tp] for tp in tps)
    finally:
        await consumer.stop()


async def _partitions(consumer, topic: str) -> set[int] | None:
    await consumer._client.force_metadata_update()
    return consumer.partitions_for_topic(topic)
