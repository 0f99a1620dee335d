"""Kafka handlers of the applications service."""

from __future__ import annotations

from dataclasses import dataclass

from faststream import AckPolicy
from faststream.kafka import KafkaBroker

from shared.contracts.applications import ApplicationClassified, ApplicationRecorded
from shared.contracts.topics import Topics
from shared.kafka import publish_many

from .adapters import ApplicationStore
from .domain import application_document, recorded_event
from .settings import ApplicationsSettings


@dataclass
class Deps:
    store: ApplicationStore | None = None


def register(broker: KafkaBroker, settings: ApplicationsSettings, deps: Deps) -> None:
    topics = Topics(settings.topic_prefix)
    recorded = broker.publisher(
        topics.application_recorded,
        schema=ApplicationRecorded,
        description="An application was stored with its status (personal data masked)",
    )

    @broker.subscriber(
        topics.application_classified,
        group_id=f"{settings.consumer_group}.classified",
        title=f"{settings.consumer_group}.classified",
        batch=True,
        max_records=settings.max_batch,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def on_applications_classified(messages: list[ApplicationClassified]) -> None:
        """Store each application idempotently (id = upload + row), then announce it."""
        await deps.store.upsert_many([(m.application_id, application_document(m)) for m in messages])
        await publish_many(recorded, ((recorded_event(m), m.group_id) for m in messages))
