"""Helpers for tests that talk to real servers: workbooks, polling, reading topics."""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import date, timedelta
from types import ModuleType
from typing import Any, TypeVar

from faststream.kafka import KafkaBroker
from openpyxl import Workbook, load_workbook
from pydantic import TypeAdapter

from services.upload.template import TemplateGroup, build_template
from shared.contracts.columns import COLUMNS, FIRST_DATA_ROW, MEMBERS_SHEET, STAMP_ROW, columns_for
from shared.kafka import kafka_router, make_broker, partitions_of

T = TypeVar("T")


def service_broker(settings: Any, deps: Any, subscribers: ModuleType) -> KafkaBroker:
    """A service's Kafka side (its subscribers module's table) on a broker, for
    FastStream's in-memory TestKafkaBroker; its outlet goes into ``deps``."""
    router, outlet = kafka_router(settings, deps, subscribers.SUBSCRIPTIONS, getattr(subscribers, "PUBLICATIONS", ()))
    if hasattr(deps, "outlet"):
        deps.outlet = outlet
    return make_broker(settings, router)


def collect(broker: KafkaBroker, **topics: tuple[str, Any]) -> dict[str, list]:
    """What the service under test publishes, kept by name: ``name=(topic, contract)``."""
    published: dict[str, list] = {name: [] for name in topics}
    for name, (topic, contract) in topics.items():
        broker.subscriber(topic)(_collector(published[name], TypeAdapter(contract)))
    return published


def _collector(into: list, adapter: TypeAdapter) -> Callable[[dict], Awaitable[None]]:
    async def keep(message: dict) -> None:
        into.append(adapter.validate_python(message))

    return keep


def docker_engine_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
        return True
    except Exception:
        return False


def template(
    group_id: str = "230001",
    region: str = "CA",
    group_name: str = "Golden Gate Bakery",
    subgroups: tuple[str, ...] = ("0001", "0002"),
) -> bytes:
    return build_template(TemplateGroup(group_id, group_name, region, subgroups), region)


def workbook(
    rows: Iterable[dict[str, Any]],
    group_id: str = "230001",
    region: str = "CA",
    group_name: str = "Golden Gate Bakery",
    subgroups: tuple[str, ...] = ("0001", "0002"),
    base: bytes | None = None,
) -> bytes:
    """The group's template (or ``base``) with one member row per dict (keys = column keys)."""
    wb = load_workbook(io.BytesIO(base or template(group_id, region, group_name, subgroups)))
    ws = wb[MEMBERS_SHEET]
    columns = columns_for(ws.cell(STAMP_ROW, 6).value)
    for r, row in enumerate(rows, start=FIRST_DATA_ROW):
        for c, column in enumerate(columns, start=1):
            if row.get(column.key) is not None:
                ws.cell(r, c, row[column.key])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def plain_workbook(rows: Iterable[dict[str, Any]], sheet: str = MEMBERS_SHEET) -> bytes:
    """Not a template: a header row and member rows on a sheet of that name."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append([c.header for c in COLUMNS])
    for row in rows:
        ws.append([row.get(c.key) for c in COLUMNS])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def first_of_next_month(today: date | None = None) -> date:
    today = today or date.today()
    return (today.replace(day=1) + timedelta(days=32)).replace(day=1)


def member(n: int, **overrides: Any) -> dict[str, Any]:
    """A subscriber row that validation classifies ready (for a group with subgroup 0001)."""
    row = {
        "subgroup_id": "0001",
        "relationship": "Subscriber",
        "first_name": f"First{n}",
        "last_name": f"Last{n}",
        "ssn": f"{100 + n % 500:03d}-{10 + n % 89:02d}-{1000 + n:04d}",
        "date_of_birth": "1988-06-15",
        "gender": "F",
        "address_line1": f"{n} Main St",
        "city": "Oakland",
        "state": "CA",
        "zip": "94612",
        "hire_date": "2024-01-15",
        "effective_date": first_of_next_month().isoformat(),
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
        partitions = await eventually(lambda: partitions_of(bootstrap, topic), timeout=timeout)
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
        partitions = await partitions_of(bootstrap, topic)
        if not partitions:
            return 0
        tps = [TopicPartition(topic, p) for p in partitions]
        ends = await consumer.end_offsets(tps)
        starts = await consumer.beginning_offsets(tps)
        return sum(ends[tp] - starts[tp] for tp in tps)
    finally:
        await consumer.stop()
