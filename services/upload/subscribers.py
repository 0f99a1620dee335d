"""The upload service's Kafka side: its subscriber (the projection of groups
for templates) and the topics it publishes to."""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from shared.contracts.reference import GroupRegistered
from shared.contracts.topics import Topics
from shared.contracts.uploads import MemberRowParsed, UploadAccepted
from shared.kafka import Outlet, batch_subscription

from . import use_cases
from .settings import UploadSettings
from .use_cases import Deps


def build_router(settings: UploadSettings, deps: Deps) -> KafkaRouter:
    topics = Topics(settings.topic_prefix)
    router = KafkaRouter()

    @router.subscriber(
        topics.group_registered, **batch_subscription(settings, f"{settings.consumer_group}.groups", reference=True)
    )
    async def on_groups_registered(events: list[GroupRegistered]) -> None:
        """Keep the groups' names, regions and subgroups for their templates."""
        await use_cases.project_groups(deps, events)

    deps.outlet = Outlet(
        settings.topic_prefix,
        [
            router.publisher(topics.upload_accepted, schema=UploadAccepted, description="A file was stored and parsed"),
            router.publisher(
                topics.member_row_parsed, schema=MemberRowParsed, description="One member row (internal: PII)"
            ),
        ],
    )
    return router
