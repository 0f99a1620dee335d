"""Kafka handlers of the dashboard: each projects events into a read model."""

from __future__ import annotations

from dataclasses import dataclass

from faststream.kafka import KafkaBroker

from shared.contracts.applications import ApplicationRecorded, ApplicationSubmitted, LifecycleEvent
from shared.contracts.reference import GroupRegistered, MemberEnrolled
from shared.contracts.topics import Topics
from shared.contracts.uploads import UploadAccepted
from shared.kafka import batch_subscription

from .adapters import ReadModels
from .domain import lifecycle_document, transaction_document, upload_application_document
from .settings import DashboardSettings


@dataclass
class Deps:
    models: ReadModels | None = None


def register(broker: KafkaBroker, settings: DashboardSettings, deps: Deps) -> None:
    topics = Topics(settings.topic_prefix)
    group = settings.consumer_group

    @broker.subscriber(topics.group_registered, **batch_subscription(settings, f"{group}.groups", reference=True))
    async def on_groups_registered(events: list[GroupRegistered]) -> None:
        await deps.models.upsert_groups(events)

    @broker.subscriber(topics.member_enrolled, **batch_subscription(settings, f"{group}.members", reference=True))
    async def on_members_enrolled(events: list[MemberEnrolled]) -> None:
        await deps.models.upsert_members(events)

    @broker.subscriber(topics.upload_accepted, **batch_subscription(settings, f"{group}.uploads"))
    async def on_uploads_accepted(events: list[UploadAccepted]) -> None:
        for event in events:
            await deps.models.upsert_upload(event)

    @broker.subscriber(topics.application_recorded, **batch_subscription(settings, f"{group}.applications"))
    async def on_applications_recorded(events: list[ApplicationRecorded]) -> None:
        await deps.models.merge_upload_applications(
            [(e.application_id, upload_application_document(e)) for e in events], saved_changes=False
        )

    @broker.subscriber(topics.application_lifecycle, **batch_subscription(settings, f"{group}.lifecycle"))
    async def on_application_lifecycle(events: list[LifecycleEvent]) -> None:
        """Edited, saved, deleted, expired and submitted applications change
        their lists and counts; submitted ones enter the transaction history."""
        await deps.models.merge_upload_applications(
            [(e.application_id, lifecycle_document(e)) for e in events], saved_changes=True
        )
        await deps.models.upsert_transactions(
            [(e.confirmation_id, transaction_document(e)) for e in events if isinstance(e, ApplicationSubmitted)]
        )
