"""Kafka handlers of the validation service: decode, call the rules, publish."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from faststream.kafka import KafkaBroker
from faststream.kafka.publisher.usecase import DefaultPublisher

from shared.contracts.applications import (
    ApplicationClassified,
    ApplicationDeleted,
    ApplicationExpired,
    LifecycleEvent,
    ValidateApplication,
    application_id,
)
from shared.contracts.reference import GroupRegistered, MemberEnrolled
from shared.contracts.topics import Topics
from shared.contracts.uploads import MemberRowParsed
from shared.kafka import batch_subscription, publish_many
from shared.pii import ssn_digits, ssn_hash

from .adapters import ReferenceStore
from .domain import Context, RowIn, classify_file
from .settings import ValidationSettings


@dataclass
class Deps:
    """Filled in by the app's lifespan; tests put fakes here."""

    store: ReferenceStore | None = None


def register(broker: KafkaBroker, settings: ValidationSettings, deps: Deps) -> None:
    topics = Topics(settings.topic_prefix)
    pii_key = settings.pii_hash_key.get_secret_value()
    group = settings.consumer_group
    classified = broker.publisher(
        topics.application_classified,
        schema=ApplicationClassified,
        description="Validation's verdict on each row (internal: PII)",
    )

    @broker.subscriber(topics.group_registered, **batch_subscription(settings, f"{group}.groups", reference=True))
    async def on_groups_registered(events: list[GroupRegistered]) -> None:
        await deps.store.upsert_groups(events)

    @broker.subscriber(topics.member_enrolled, **batch_subscription(settings, f"{group}.members", reference=True))
    async def on_members_enrolled(events: list[MemberEnrolled]) -> None:
        await deps.store.upsert_members(events)

    @broker.subscriber(topics.validate_application, **batch_subscription(settings, f"{group}.edits"))
    async def on_validate_application(commands: list[ValidateApplication]) -> None:
        """Classify edited applications again, within their file."""
        for command in commands:
            await revalidate(command, deps.store, classified, pii_key, date.today())

    @broker.subscriber(topics.application_lifecycle, **batch_subscription(settings, f"{group}.lifecycle"))
    async def on_application_lifecycle(events: list[LifecycleEvent]) -> None:
        """Deleted and expired applications no longer hold their members."""
        ended = {e.application_id for e in events if isinstance(e, ApplicationDeleted | ApplicationExpired)}
        if ended:
            await deps.store.release_claims(ended)

    @broker.subscriber(topics.member_row_parsed, **batch_subscription(settings, f"{group}.rows"))
    async def on_member_rows_parsed(rows: list[MemberRowParsed]) -> None:
        """Keep rows until their file is complete, then classify the whole file.
        Offsets commit only after every verdict of a completed file is published."""
        by_upload: dict[str, list[MemberRowParsed]] = {}
        for row in rows:
            by_upload.setdefault(row.upload_id, []).append(row)
        for upload_id, file_rows in by_upload.items():
            if len({r.row_number for r in file_rows}) >= file_rows[0].total_rows:
                # The usual case: the whole file came in one batch; nothing to keep.
                await classify_rows(file_rows, deps.store, classified, pii_key, date.today())
                continue
            await deps.store.stage_rows(file_rows)
            staged = await deps.store.staged_rows(upload_id)
            if len(staged) >= file_rows[0].total_rows:
                await classify_rows(staged, deps.store, classified, pii_key, date.today())


async def _context(store: ReferenceStore, group_id: str, region: str, rows, pii_key: str, today: date) -> Context:
    def hash_ssn(digits: str) -> str:
        return ssn_hash(digits, pii_key)

    hashes = {hash_ssn(d) for r in rows for key in ("ssn", "subscriber_ssn") if (d := ssn_digits(r.cells.get(key)))}
    return Context(
        group=await store.group(group_id),
        region=region,
        enrolled=frozenset(await store.enrolled_hashes(group_id, hashes)),
        pending=await store.pending_claims(group_id, hashes),
        today=today,
        hash_ssn=hash_ssn,
    )


async def revalidate(
    command: ValidateApplication, store: ReferenceStore, publisher: DefaultPublisher, pii_key: str, today: date
) -> None:
    rows = [RowIn(r.row_number, r.application_id, r.cells) for r in command.file_rows]
    rows.append(RowIn(command.row_number, command.application_id, command.cells))
    rows.sort(key=lambda r: r.row_number)
    context = await _context(store, command.group_id, command.region, rows, pii_key, today)
    verdict = classify_file(rows, context)[command.row_number]
    await store.release_claims({command.application_id}, keep=verdict.ssn_hash)
    if verdict.ssn_hash and verdict.status != "rejected":
        await store.claim(command.group_id, {verdict.ssn_hash: command.application_id}, replace=True)
    message = ApplicationClassified(
        event_id=f"{command.application_id}:classified:{command.revision}",
        correlation_id=command.correlation_id,
        application_id=command.application_id,
        upload_id=command.upload_id,
        group_id=command.group_id,
        region=command.region,
        row_number=command.row_number,
        status=verdict.status,
        issues=verdict.issues,
        cells=command.cells,
        ssn_hash=verdict.ssn_hash,
        revision=command.revision,
        actor=command.actor,
    )
    await publisher.publish(message, key=command.group_id.encode())


async def classify_rows(
    rows: list[MemberRowParsed], store: ReferenceStore, publisher: DefaultPublisher, pii_key: str, today: date
) -> None:
    """Classify a whole file, claim its members, publish the verdicts."""
    rows = sorted({r.row_number: r for r in rows}.values(), key=lambda r: r.row_number)
    first = rows[0]
    upload_id = first.upload_id

    context = await _context(store, first.group_id, first.region, rows, pii_key, today)
    verdicts = classify_file(
        [RowIn(r.row_number, application_id(upload_id, r.row_number), r.cells) for r in rows], context
    )
    # Members of applications that can go on are claimed, so another file
    # cannot enroll them at the same time.
    await store.claim(
        first.group_id,
        {
            v.ssn_hash: application_id(upload_id, n)
            for n, v in verdicts.items()
            if v.ssn_hash and v.status != "rejected"
        },
    )
    messages = [
        ApplicationClassified(
            event_id=f"{row.event_id}:classified:1",
            correlation_id=row.correlation_id,
            application_id=application_id(upload_id, row.row_number),
            upload_id=upload_id,
            group_id=row.group_id,
            region=row.region,
            row_number=row.row_number,
            status=verdicts[row.row_number].status,
            issues=verdicts[row.row_number].issues,
            cells=row.cells,
            ssn_hash=verdicts[row.row_number].ssn_hash,
            actor=row.actor,
        )
        for row in rows
    ]
    await publish_many(publisher, ((m, m.group_id) for m in messages))
    await store.finish_upload(upload_id)
