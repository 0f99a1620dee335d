"""The dashboard's Kafka side: subscribers that project events into read
models, each calling one use case. It publishes nothing."""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from shared.contracts.applications import ApplicationRecorded, LifecycleEvent
from shared.contracts.reference import GroupRegistered, MemberEnrolled
from shared.contracts.topics import Topics
from shared.contracts.uploads import UploadAccepted
from shared.kafka import batch_subscription

from . import use_cases
from .settings import DashboardSettings
from .use_cases import Deps


def build_router(settings: DashboardSettings, deps: Deps) -> KafkaRouter:
    topics = Topics(settings.topic_prefix)
    group = settings.consumer_group
    router = KafkaRouter()

    @router.subscriber(topics.group_registered, **batch_subscription(settings, f"{group}.groups", reference=True))
    async def on_groups_registered(events: list[GroupRegistered]) -> None:
        await use_cases.project_groups(deps, events)

    @router.subscriber(topics.member_enrolled, **batch_subscription(settings, f"{group}.members", reference=True))
    async def on_members_enrolled(events: list[MemberEnrolled]) -> None:
        await use_cases.project_members(deps, events)

    @router.subscriber(topics.upload_accepted, **batch_subscription(settings, f"{group}.uploads"))
    async def on_uploads_accepted(events: list[UploadAccepted]) -> None:
        await use_cases.project_uploads(deps, events)

    @router.subscriber(topics.application_recorded, **batch_subscription(settings, f"{group}.applications"))
    async def on_applications_recorded(events: list[ApplicationRecorded]) -> None:
        await use_cases.project_recorded(deps, events)

    @router.subscriber(topics.application_lifecycle, **batch_subscription(settings, f"{group}.lifecycle"))
    async def on_application_lifecycle(events: list[LifecycleEvent]) -> None:
        """Edited, saved, deleted, expired and submitted applications change
        their lists and counts; submitted ones enter the transaction history."""
        await use_cases.project_lifecycle(deps, events)

    return router
