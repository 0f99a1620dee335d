"""The validation service's Kafka side: its subscribers (each decodes a
batch and calls one use case) and the topic it publishes to."""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from shared.contracts.applications import ApplicationClassified, LifecycleEvent, ValidateApplication
from shared.contracts.reference import GroupRegistered, MemberEnrolled
from shared.contracts.topics import Topics
from shared.contracts.uploads import MemberRowParsed
from shared.kafka import Outlet, batch_subscription

from . import use_cases
from .settings import ValidationSettings
from .use_cases import Deps


def build_router(settings: ValidationSettings, deps: Deps) -> KafkaRouter:
    topics = Topics(settings.topic_prefix)
    group = settings.consumer_group
    router = KafkaRouter()

    @router.subscriber(topics.group_registered, **batch_subscription(settings, f"{group}.groups", reference=True))
    async def on_groups_registered(events: list[GroupRegistered]) -> None:
        await use_cases.project_groups(deps, events)

    @router.subscriber(topics.member_enrolled, **batch_subscription(settings, f"{group}.members", reference=True))
    async def on_members_enrolled(events: list[MemberEnrolled]) -> None:
        await use_cases.project_members(deps, events)

    @router.subscriber(topics.validate_application, **batch_subscription(settings, f"{group}.edits"))
    async def on_validate_application(commands: list[ValidateApplication]) -> None:
        """Classify edited applications again, within their file."""
        await use_cases.revalidate(deps, commands)

    @router.subscriber(topics.application_lifecycle, **batch_subscription(settings, f"{group}.lifecycle"))
    async def on_application_lifecycle(events: list[LifecycleEvent]) -> None:
        """Deleted and expired applications no longer hold their members."""
        await use_cases.release_ended(deps, events)

    @router.subscriber(topics.member_row_parsed, **batch_subscription(settings, f"{group}.rows"))
    async def on_member_rows_parsed(rows: list[MemberRowParsed]) -> None:
        """Classify each file once all its rows have arrived."""
        await use_cases.rows_arrived(deps, rows)

    deps.outlet = Outlet(
        settings.topic_prefix,
        [
            router.publisher(
                topics.application_classified,
                schema=ApplicationClassified,
                description="Validation's verdict on each row (internal: PII)",
            )
        ],
    )
    return router
