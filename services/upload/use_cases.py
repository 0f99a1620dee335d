"""The upload service's use cases: accept a file (once per group: the same
bytes again are refused) or the Enroll a Member form, publish their rows
(and publish again what a crash left unpublished), make templates and error
reports, keep the projection of groups."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from shared.contracts.applications import application_id, is_application_id, upload_of
from shared.contracts.columns import TEMPLATE_VERSION
from shared.contracts.envelope import Actor, new_id, utcnow
from shared.contracts.reference import GroupRegistered
from shared.contracts.uploads import MemberRowParsed, UploadAccepted
from shared.crypto import FieldCipher
from shared.errors import must_exist
from shared.kafka import Outlet
from shared.outbox import Relay
from shared.settings import DEMO_SECRET

from .adapters import GroupStore, UploadStore
from .domain import (
    FORM_FILE_NAME,
    FORM_SOURCE,
    ParsedRow,
    check_group_region,
    check_replacements,
    check_size,
    check_stamp,
    duplicate_file,
    file_digest,
    form_file,
    form_row,
    names_an_upload,
    parse_workbook,
    read_form_file,
)
from .template import TemplateGroup, build_error_report, build_template

log = logging.getLogger(__name__)


@dataclass
class Deps:
    """What the use cases work with; the app's wiring fills it, tests put fakes in."""

    store: UploadStore | None = None
    groups: GroupStore | None = None
    outlet: Outlet | None = None
    relay: Relay | None = None  # publishes uploads left unpublished
    max_bytes: int = 2 * 1024 * 1024
    max_members: int = 250
    # How long an upload's answer waits for Kafka; after that the relay publishes it,
    # trying this many rounds before it marks the upload failed.
    publish_timeout: float = 10.0
    publish_attempts: int = 20
    # Encrypts the stored file and the SSNs and dates of birth in the row messages.
    cipher: FieldCipher = field(default_factory=lambda: FieldCipher.from_setting(DEMO_SECRET))


@dataclass(frozen=True)
class UploadRequest:
    group_id: str
    region: str
    group_name: str
    file_name: str
    actor: Actor
    correlation_id: str


async def accept_upload(deps: Deps, request: UploadRequest, data: bytes) -> tuple[UploadAccepted, list[str]]:
    """Check and parse first, so a refused file leaves nothing stored or published.
    Returns the announcement and what the user should know about the file (hidden rows)."""
    check_size(len(data), deps.max_bytes)
    # openpyxl takes tens of milliseconds for a full file: off the event loop,
    # so other uploads' publishing and status answers go on meanwhile.
    sheet = await asyncio.to_thread(parse_workbook, data, deps.max_members)
    check_stamp(sheet, request.group_id, request.region, request.group_name)
    # A fixed error report: its source upload must be this group's and each
    # row's application one its error report was made of.
    source = await deps.store.get(sheet.source_upload_id) if names_an_upload(sheet.source_upload_id) else None
    check_replacements(sheet, source, request.group_id)
    # The same bytes for the same group again: refused, pointing at the upload
    # that has them (the store's unique index decides between two sent at once).
    digest = file_digest(data)
    if (earlier := await deps.store.holding(request.group_id, digest)) is not None:
        raise duplicate_file(earlier)
    upload_id = new_id()
    record = {
        "group_id": request.group_id,
        "region": sheet.region,
        "group_name": sheet.group_name,
        "template_version": sheet.version,
        "file_name": request.file_name,
        "actor": request.actor.model_dump(),
        "correlation_id": request.correlation_id,
        "total_rows": len(sheet.rows),
        "notices": sheet.notices,
        "received_at": utcnow(),
        "sha256": digest,  # while it is here, the same file is refused (forgotten when withdrawn or failed)
        "replaces_upload_id": sheet.source_upload_id,
        "replaces_applications": sum(1 for row in sheet.rows if row.replaces),
    }
    accepted = await _store_and_publish(deps, upload_id, record, data, sheet.rows)
    log.info("upload %s accepted: %d rows for group %s", upload_id, len(sheet.rows), request.group_id)
    return accepted, sheet.notices


async def enroll_member(deps: Deps, request: UploadRequest, cells: dict[str, str | None]) -> tuple[str, str]:
    """Enroll a Member: the form's cells become an upload of one row, stored
    and published as a file's row is (so validation and the applications
    service treat it alike). Returns the upload's id and its application's."""
    group = await _group(deps, request.group_id)
    check_group_region(group.group_id, group.region, request.region)
    row = form_row(cells, group.region)
    upload_id = new_id()
    record = {
        "group_id": group.group_id,
        "region": group.region,
        "group_name": group.name,
        "template_version": TEMPLATE_VERSION,  # the columns it was entered in
        "file_name": FORM_FILE_NAME,
        "source": FORM_SOURCE,
        "actor": request.actor.model_dump(),
        "correlation_id": request.correlation_id,
        "total_rows": 1,
        "notices": [],
        "received_at": utcnow(),
    }
    await _store_and_publish(deps, upload_id, record, form_file(row), [row])
    log.info("upload %s accepted: one member entered in the form for group %s", upload_id, group.group_id)
    return upload_id, application_id(upload_id, row.row_number)


async def forget_file(deps: Deps, upload_id: str) -> None:
    """The upload was withdrawn: the same file may be uploaded again."""
    await upload_record(deps, upload_id)
    await deps.store.forget_file(upload_id)


async def _store_and_publish(
    deps: Deps, upload_id: str, record: dict[str, Any], data: bytes, rows: list[ParsedRow]
) -> UploadAccepted:
    """Store the upload (its file encrypted), then publish it."""
    # The stored upload is the commitment: from here on it is published, now
    # or, should Kafka fail or be slow, by the relay from the stored file.
    earlier = await deps.store.save(upload_id, record["file_name"], deps.cipher.encrypt_file(upload_id, data), record)
    if earlier is not None:  # the same file, stored for the group a moment ago: nothing of this one was kept
        raise duplicate_file(earlier)
    accepted, messages = upload_messages(upload_id, record, rows, deps.cipher)
    try:
        await asyncio.wait_for(_publish(deps, upload_id, accepted, messages), deps.publish_timeout)
    except Exception as exc:  # TimeoutError too
        log.warning(
            "upload %s stored; publishing failed (%s): the relay will publish it", upload_id, type(exc).__name__
        )
    return accepted


async def publish_stored(deps: Deps, upload_id: str) -> None:
    """What the relay does for an upload left unpublished: publish it again from
    the stored file. After ``publish_attempts`` failed rounds the upload is
    marked failed and left alone: the user sees it failed and uploads again,
    instead of watching it "processing" for ever."""
    record = await deps.store.get(upload_id)
    try:
        data = deps.cipher.decrypt_file(upload_id, await deps.store.read_file(upload_id))
        if record.get("source") == FORM_SOURCE:
            parsed = read_form_file(data)
        else:
            parsed = (await asyncio.to_thread(parse_workbook, data, deps.max_members)).rows
        await _publish(deps, upload_id, *upload_messages(upload_id, record, parsed, deps.cipher))
    except (Exception, asyncio.CancelledError) as exc:  # cancelled: the relay gave up waiting, a failed round too
        attempts = await deps.store.note_failed_attempt(upload_id)
        if attempts >= deps.publish_attempts:
            await deps.store.mark_failed(upload_id, type(exc).__name__)
            log.error("upload %s could not be published in %d attempts (%s): marked failed", upload_id, attempts, exc)
            return
        raise


def upload_messages(
    upload_id: str, record: dict[str, Any], rows: list[ParsedRow], cipher: FieldCipher
) -> tuple[UploadAccepted, list[MemberRowParsed]]:
    """The upload event and one message per row (the SSNs and date of birth
    encrypted), with deterministic event ids: publishing again after a crash
    is recognised downstream as a redelivery."""
    actor = Actor.model_validate(record["actor"])
    common = {"correlation_id": record["correlation_id"], "upload_id": upload_id, "actor": actor}
    accepted = UploadAccepted(
        **common,
        event_id=f"{upload_id}:accepted",
        group_id=record["group_id"],
        region=record["region"],
        group_name=record["group_name"],
        file_name=record["file_name"],
        total_rows=len(rows),
        replaces_upload_id=record.get("replaces_upload_id"),
        replaces_applications=sum(1 for row in rows if row.replaces),
    )
    return accepted, [
        MemberRowParsed(
            **common,
            event_id=f"{upload_id}:row:{row.row_number}",
            group_id=record["group_id"],
            region=record["region"],
            row_number=row.row_number,
            cells=cipher.seal(row.cells),
            total_rows=len(rows),
            replaces_application_id=row.replaces,
        )
        for row in rows
    ]


async def _publish(deps: Deps, upload_id: str, accepted: UploadAccepted, rows: list[MemberRowParsed]) -> None:
    """The upload event, then every row, then the record marked published."""
    await deps.outlet.send([accepted])
    await deps.outlet.send(rows)
    await deps.store.mark_published(upload_id)


async def upload_record(deps: Deps, upload_id: str) -> dict[str, Any]:
    return must_exist(await deps.store.get(upload_id), "upload_not_found", f"Upload {upload_id} not found.")


async def template(deps: Deps, group_id: str, region: str) -> bytes:
    """The Mass Enrollment template of a group, for its region."""
    group = await _group(deps, group_id)
    check_group_region(group_id, group.region, region)
    return await asyncio.to_thread(build_template, group, group.region)


async def error_report(deps: Deps, upload_id: str, applications: list[dict[str, Any]]) -> bytes:
    """The upload's Error tab (``applications``, as the applications service
    lists them) in the template's format, bad cells highlighted and commented.

    The report names the upload and each row's application; the applications
    are noted on the upload's record, so that a report uploaded again may name
    only these (``domain.check_replacements``)."""
    record = await upload_record(deps, upload_id)
    group = await _group(deps, record["group_id"])
    # Only this upload's applications are named (the rest are written without an id).
    rows = [{**a, "application_id": a.get("application_id") if _of(upload_id, a) else None} for a in applications]
    await deps.store.note_reported(upload_id, [a["application_id"] for a in rows if a["application_id"]])
    return await asyncio.to_thread(build_error_report, group, record["region"], rows, upload_id)


def _of(upload_id: str, application: dict[str, Any]) -> bool:
    app_id = application.get("application_id")
    return bool(app_id) and is_application_id(app_id) and upload_of(app_id) == upload_id


async def project_groups(deps: Deps, events: list[GroupRegistered]) -> None:
    """Keep the groups' names, regions and subgroups for their templates."""
    await deps.groups.upsert_groups(events)


async def _group(deps: Deps, group_id: str) -> TemplateGroup:
    return must_exist(await deps.groups.get(group_id), "group_not_found", f"Group {group_id} not found.")
