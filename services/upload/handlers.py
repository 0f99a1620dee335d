"""Use cases of the upload service: accept a file, publish its rows, recover."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.kafka.publisher.usecase import DefaultPublisher

from shared.contracts.envelope import Actor, new_id, utcnow
from shared.contracts.topics import Topics
from shared.contracts.uploads import MemberRowParsed, UploadAccepted
from shared.kafka import publish_many

from .adapters import UploadStore
from .domain import ParsedRow, check_size, check_stamp, parse_workbook

log = logging.getLogger(__name__)


@dataclass
class Publishers:
    upload_accepted: DefaultPublisher
    row_parsed: DefaultPublisher

    @classmethod
    def declare(cls, broker: KafkaBroker, topics: Topics) -> Publishers:
        return cls(
            upload_accepted=broker.publisher(
                topics.upload_accepted, schema=UploadAccepted, description="A file was stored and parsed"
            ),
            row_parsed=broker.publisher(
                topics.member_row_parsed, schema=MemberRowParsed, description="One member row (internal: PII)"
            ),
        )


@dataclass(frozen=True)
class UploadRequest:
    group_id: str
    region: str
    group_name: str
    file_name: str
    actor: Actor
    correlation_id: str


async def accept_upload(
    request: UploadRequest, data: bytes, store: UploadStore, publishers: Publishers, max_bytes: int, max_members: int
) -> UploadAccepted:
    """Check and parse first, so a refused file leaves nothing stored or published."""
    check_size(len(data), max_bytes)
    # openpyxl takes tens of milliseconds for a full file: off the event loop,
    # so other uploads' publishing and status answers go on meanwhile.
    sheet = await asyncio.to_thread(parse_workbook, data, max_members)
    check_stamp(sheet, request.group_id, request.region, request.group_name)
    rows = sheet.rows
    upload_id = new_id()
    record = {
        "group_id": request.group_id,
        "region": sheet.region,
        "group_name": sheet.group_name,
        "template_version": sheet.version,
        "file_name": request.file_name,
        "actor": request.actor.model_dump(),
        "correlation_id": request.correlation_id,
        "total_rows": len(rows),
        "received_at": utcnow(),
    }
    await store.save(upload_id, request.file_name, data, record)
    accepted = await publish_upload(upload_id, record, rows, publishers)
    await store.mark_published(upload_id)
    log.info("upload %s accepted: %d rows for group %s", upload_id, len(rows), request.group_id)
    return accepted


async def publish_upload(
    upload_id: str, record: dict[str, Any], rows: list[ParsedRow], publishers: Publishers
) -> UploadAccepted:
    """Publish the upload event, then every row. Event ids are deterministic, so
    publishing again after a crash is recognised downstream as redelivery."""
    actor = Actor.model_validate(record["actor"])
    accepted = UploadAccepted(
        event_id=f"{upload_id}:accepted",
        correlation_id=record["correlation_id"],
        upload_id=upload_id,
        group_id=record["group_id"],
        region=record["region"],
        group_name=record["group_name"],
        file_name=record["file_name"],
        total_rows=len(rows),
        actor=actor,
    )
    await publishers.upload_accepted.publish(accepted, key=accepted.group_id.encode())
    messages = (
        MemberRowParsed(
            event_id=f"{upload_id}:row:{row.row_number}",
            correlation_id=record["correlation_id"],
            upload_id=upload_id,
            group_id=record["group_id"],
            region=record["region"],
            row_number=row.row_number,
            cells=row.cells,
            total_rows=len(rows),
            actor=actor,
        )
        for row in rows
    )
    await publish_many(publishers.row_parsed, ((m, m.group_id) for m in messages))
    return accepted


async def republish_unfinished(store: UploadStore, publishers: Publishers, max_members: int, grace: timedelta) -> int:
    """Uploads stored but not fully published (the process stopped midway) are
    published again from the stored file."""
    count = 0
    for record in await store.unpublished(older_than=utcnow() - grace):
        rows = (await asyncio.to_thread(parse_workbook, await store.read_file(record["_id"]), max_members)).rows
        await publish_upload(record["_id"], record, rows, publishers)
        await store.mark_published(record["_id"])
        count += 1
    return count
