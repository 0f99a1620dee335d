"""The applications service's Kafka side: its subscribers (each decodes a
batch and calls one use case) and the topics it publishes to."""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from shared.contracts.applications import (
    ApplicationClassified,
    ApplicationDeleted,
    ApplicationEdited,
    ApplicationExpired,
    ApplicationRecorded,
    ApplicationSavedForLater,
    ApplicationSubmitted,
    ValidateApplication,
)
from shared.contracts.topics import Topics
from shared.kafka import Outlet, batch_subscription

from . import use_cases
from .settings import ApplicationsSettings
from .use_cases import Deps


def build_router(settings: ApplicationsSettings, deps: Deps) -> KafkaRouter:
    topics = Topics(settings.topic_prefix)
    router = KafkaRouter()

    @router.subscriber(
        topics.application_classified, **batch_subscription(settings, f"{settings.consumer_group}.classified")
    )
    async def on_applications_classified(verdicts: list[ApplicationClassified]) -> None:
        """Store each application and announce it (personal data masked)."""
        await use_cases.record_classified(deps, verdicts)

    deps.outlet = Outlet(
        settings.topic_prefix,
        [
            router.publisher(
                topics.application_recorded,
                schema=ApplicationRecorded,
                description="An application was classified and stored (personal data masked)",
            ),
            router.publisher(
                topics.application_lifecycle,
                schema=ApplicationEdited
                | ApplicationDeleted
                | ApplicationSavedForLater
                | ApplicationExpired
                | ApplicationSubmitted,
                description="Edited, deleted, saved for later, expired or submitted (personal data masked)",
            ),
            router.publisher(
                topics.validate_application,
                schema=ValidateApplication,
                description="Command to validation: classify an edited application again (internal: PII)",
            ),
        ],
    )
    return router
