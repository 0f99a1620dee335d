"""Kafka handlers of the validation service: decode, call the rules, publish."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from faststream import AckPolicy
from faststream.kafka import KafkaBroker

from shared.contracts.applications import ApplicationClassified
from shared.contracts.reference import GroupRegistered, MemberEnrolled
from shared.contracts.topics import Topics
from shared.contracts.uploads import MemberRowParsed
from shared.kafka import publish_many
from shared.pii import ssn_digits, ssn_hash

from .adapters import ReferenceStore
from .domain import classify
from .settings import ValidationSettings


@dataclass
class Deps:
    """Filled in by the app's lifespan; tests put fakes here."""

    store: ReferenceStore | None = None


def register(broker: KafkaBroker, settings: ValidationSettings, deps: Deps) -> None:
    topics = Topics(settings.topic_prefix)
    pii_key = settings.pii_hash_key.get_secret_value()
    # One consumer group per subscription: groups join in parallel, and a slow
    # rebalance of one (about 5 s on Tansu) does not stall the others.
    consume = dict(
        batch=True,
        max_records=settings.max_batch,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    classified = broker.publisher(
        topics.application_classified,
        schema=ApplicationClassified,
        description="Validation's verdict on each row (internal: PII)",
    )

    @broker.subscriber(
        topics.group_registered,
        group_id=f"{settings.consumer_group}.groups",
        title=f"{settings.consumer_group}.groups",
        **consume,
    )
    async def on_groups_registered(events: list[GroupRegistered]) -> None:
        await deps.store.upsert_groups(events)

    @broker.subscriber(
        topics.member_enrolled,
        group_id=f"{settings.consumer_group}.members",
        title=f"{settings.consumer_group}.members",
        **consume,
    )
    async def on_members_enrolled(events: list[MemberEnrolled]) -> None:
        await deps.store.upsert_members(events)

    @broker.subscriber(
        topics.member_row_parsed,
        group_id=f"{settings.consumer_group}.rows",
        title=f"{settings.consumer_group}.rows",
        **consume,
    )
    async def on_member_rows_parsed(rows: list[MemberRowParsed]) -> None:
        """Classify a batch of rows; offsets commit only after every verdict is published."""
        group_ids = {r.group_id for r in rows}
        hashes = {ssn_hash(d, pii_key) for r in rows if (d := ssn_digits(r.cells.get("ssn")))}
        groups = await deps.store.groups(group_ids)
        enrolled = await deps.store.enrolled_hashes(group_ids, hashes)
        today = date.today()
        verdicts = []
        for row in rows:
            verdict = classify(
                row.row_number,
                row.cells,
                groups.get(row.group_id),
                enrolled.get(row.group_id, set()),
                today,
                lambda digits: ssn_hash(digits, pii_key),
            )
            message = ApplicationClassified(
                event_id=f"{row.event_id}:classified:1",
                correlation_id=row.correlation_id,
                application_id=f"{row.upload_id}-{row.row_number:04d}",
                upload_id=row.upload_id,
                group_id=row.group_id,
                row_number=row.row_number,
                status=verdict.status,
                issues=verdict.issues,
                cells=row.cells,
                ssn_hash=verdict.ssn_hash,
                actor=row.actor,
            )
            verdicts.append((message, row.group_id))
        await publish_many(classified, verdicts)
