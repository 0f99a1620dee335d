"""Kafka handlers of the dashboard: each projects events into a read model."""

from __future__ import annotations

from dataclasses import dataclass

from faststream import AckPolicy
from faststream.kafka import KafkaBroker

from shared.contracts.applications import ApplicationRecorded, ApplicationSubmitted, LifecycleEvent
from shared.contracts.reference import GroupRegistered, MemberEnrolled
from shared.contracts.topics import Topics
from shared.contracts.uploads import UploadAccepted

from .adapters import ReadModels
from .domain import lifecycle_document, transaction_document, upload_application_document
from .settings import DashboardSettings


@dataclass
class Deps:
    models: ReadModels | None = None


def register(broker: KafkaBroker, settings: DashboardSettings, deps: Deps) -> None:
    topics = Topics(settings.topic_prefix)
    consume = dict(
        batch=True,
        max_records=settings.max_batch,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    group = settings.consumer_group

    @broker.subscriber(topics.group_registered, group_id=f"{group}.groups", title=f"{group}.groups", **consume)
    async def on_groups_registered(events: list[GroupRegistered]) -> None:
        await deps.models.upsert_groups(events)

    @broker.subscriber(topics.member_enrolled, group_id=f"{group}.members", title=f"{group}.members", **consume)
    async def on_members_enrolled(events: list[MemberEnrolled]) -> None:
        await deps.models.upsert_members(events)

    @broker.subscriber(topics.upload_accepted, group_id=f"{group}.uploads", title=f"{group}.uploads", **consume)
    async def on_uploads_accepted(events: list[UploadAccepted]) -> None:
        for event in events:
            await deps.models.upsert_upload(event)

    @broker.subscriber(
        topics.application_recorded, group_id=f"{group}.applications", title=f"{group}.applications", **consume
    )
    async def on_applications_recorded(events: list[ApplicationRecorded]) -> None:
        await deps.models.upsert_upload_applications(
            [(e.application_id, upload_application_document(e)) for e in events]
        )
        await deps.models.refresh_counts({e.upload_id for e in events}, {e.upload_id: e.group_id for e in events})

    @broker.subscriber(
        topics.application_lifecycle, group_id=f"{group}.lifecycle", title=f"{group}.lifecycle", **consume
    )
    async def on_application_lifecycle(events: list[LifecycleEvent]) -> None:
        """Edited, saved, deleted, expired and submitted applications change
        their lists and counts; submitted ones enter the transaction history."""
        await deps.models.upsert_upload_applications([(e.application_id, lifecycle_document(e)) for e in events])
        await deps.models.upsert_transactions(
            [(e.confirmation_id, transaction_document(e)) for e in events if isinstance(e, ApplicationSubmitted)]
        )
        await deps.models.refresh_counts({e.upload_id for e in events}, {e.upload_id: e.group_id for e in events})
