"""Handlers of the applications service: Kafka subscribers and the use cases
behind its HTTP commands (edit, save for later, delete, submit, expire)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.kafka.publisher.usecase import DefaultPublisher

from shared.contracts.applications import (
    ApplicationClassified,
    ApplicationDeleted,
    ApplicationEdited,
    ApplicationExpired,
    ApplicationLifecycleEvent,
    ApplicationRecorded,
    ApplicationSavedForLater,
    ApplicationSubmitted,
    FileRow,
    ValidateApplication,
)
from shared.contracts.envelope import Actor, utcnow
from shared.contracts.topics import Topics
from shared.kafka import batch_subscription, publish_many

from .adapters import MongoApplicationStore
from .domain import (
    ActionRefused,
    application_document,
    check_action,
    confirmation_id,
    member_summary,
    recorded_event,
)
from .settings import ApplicationsSettings

OPEN = ("ready", "error", "rejected", "validating", "saved")


@dataclass
class Publishers:
    recorded: DefaultPublisher
    lifecycle: DefaultPublisher
    validate: DefaultPublisher


@dataclass
class Deps:
    store: MongoApplicationStore | None = None
    publishers: Publishers | None = None
    save_for: timedelta = timedelta(days=30)


def register(broker: KafkaBroker, settings: ApplicationsSettings, deps: Deps) -> None:
    topics = Topics(settings.topic_prefix)
    deps.save_for = timedelta(seconds=settings.save_for_later_seconds)
    deps.publishers = Publishers(
        recorded=broker.publisher(
            topics.application_recorded,
            schema=ApplicationRecorded,
            description="An application was classified and stored (personal data masked)",
        ),
        lifecycle=broker.publisher(
            topics.application_lifecycle,
            schema=ApplicationEdited
            | ApplicationDeleted
            | ApplicationSavedForLater
            | ApplicationExpired
            | ApplicationSubmitted,
            description="Edited, deleted, saved for later, expired or submitted (personal data masked)",
        ),
        validate=broker.publisher(
            topics.validate_application,
            schema=ValidateApplication,
            description="Command to validation: classify an edited application again (internal: PII)",
        ),
    )
    group = f"{settings.consumer_group}.classified"

    @broker.subscriber(topics.application_classified, **batch_subscription(settings, group))
    async def on_applications_classified(messages: list[ApplicationClassified]) -> None:
        """Store each application idempotently (id = upload + row; an older
        revision never overwrites a newer one), then announce it."""
        await deps.store.upsert_many([(m.application_id, application_document(m)) for m in messages])
        await publish_many(deps.publishers.recorded, ((recorded_event(m), m.group_id) for m in messages))


# --- use cases behind the HTTP commands ---------------------------------------


def _event_fields(app: dict[str, Any], actor: Actor | None) -> dict[str, Any]:
    return {
        "event_id": f"{app['_id']}:{app['revision']}",
        "correlation_id": app.get("correlation_id") or app["_id"],
        "application_id": app["_id"],
        "upload_id": app["upload_id"],
        "group_id": app["group_id"],
        "row_number": app["row_number"],
        "revision": app["revision"],
        "actor": actor,
    }


async def _announce(deps: Deps, events: list[ApplicationLifecycleEvent]) -> None:
    await publish_many(deps.publishers.lifecycle, ((e, e.group_id) for e in events))


async def _load(deps: Deps, application_id: str, action: str) -> dict[str, Any]:
    app = await deps.store.get(application_id)
    if app is None:
        raise ActionRefused(404, f"Application {application_id} not found.")
    check_action(action, app)
    return app


async def _moved(deps: Deps, app: dict[str, Any], to: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    moved = await deps.store.transition(app, to, extra)
    if moved is None:
        raise ActionRefused(409, f"Application {app['_id']} changed meanwhile; reload it and try again.")
    return moved


async def edit(deps: Deps, application_id: str, cells: dict[str, str | None], actor: Actor) -> dict[str, Any]:
    """Keep the new values and have validation classify them again."""
    app = await _load(deps, application_id, "edit")
    moved = await _moved(deps, app, "validating", {"cells": cells, "issues": []})
    others = await deps.store.of_upload(app["upload_id"], OPEN)
    command = ValidateApplication(
        event_id=f"{application_id}:validate:{moved['revision']}",
        correlation_id=moved.get("correlation_id") or application_id,
        application_id=application_id,
        upload_id=moved["upload_id"],
        group_id=moved["group_id"],
        region=moved["region"],
        row_number=moved["row_number"],
        cells=cells,
        file_rows=[
            FileRow(application_id=o["_id"], row_number=o["row_number"], cells=o["cells"])
            for o in others
            if o["_id"] != application_id
        ],
        revision=moved["revision"],
        actor=actor,
    )
    await deps.publishers.validate.publish(command, key=moved["group_id"].encode())
    await _announce(deps, [ApplicationEdited(**_event_fields(moved, actor), member=member_summary(cells))])
    return moved


async def save_for_later(deps: Deps, application_id: str, actor: Actor, now: datetime | None = None) -> dict:
    app = await _load(deps, application_id, "save")
    expires_at = (now or utcnow()) + deps.save_for
    moved = await _moved(deps, app, "saved", {"expires_at": expires_at})
    await _announce(deps, [ApplicationSavedForLater(**_event_fields(moved, actor), expires_at=expires_at)])
    return moved


async def delete(deps: Deps, application_id: str, actor: Actor) -> dict[str, Any]:
    app = await _load(deps, application_id, "delete")
    moved = await _moved(deps, app, "deleted")
    await _announce(deps, [ApplicationDeleted(**_event_fields(moved, actor))])
    return moved


async def submit(deps: Deps, application_id: str, actor: Actor) -> dict[str, Any]:
    app = await _load(deps, application_id, "submit")
    submitted = await _submit_all(deps, [app], actor)
    if not submitted:
        raise ActionRefused(409, f"Application {application_id} changed meanwhile; reload it and try again.")
    return submitted[0]


async def _submit_all(deps: Deps, apps: list[dict[str, Any]], actor: Actor) -> list[dict[str, Any]]:
    """Submit each application nobody changed meanwhile (another tab may have
    submitted or deleted it); one write per upload."""
    submitted_at = utcnow()
    submitted = await deps.store.transition_many(
        apps, "submitted", lambda app: {"confirmation_id": confirmation_id(app["_id"]), "submitted_at": submitted_at}
    )
    await _announce(
        deps,
        [
            ApplicationSubmitted(
                **_event_fields(moved, actor),
                confirmation_id=moved["confirmation_id"],
                member=member_summary(moved["cells"]),
            )
            for moved in submitted
        ],
    )
    return submitted


async def submit_ready(deps: Deps, upload_id: str, actor: Actor) -> list[dict[str, Any]]:
    """Submit Ready Applications: every ready application of the upload."""
    return await _submit_all(deps, await deps.store.of_upload(upload_id, ("ready",)), actor)


async def delete_errors(deps: Deps, upload_id: str, actor: Actor) -> int:
    """Delete All Error Applications of the upload."""
    errors = await deps.store.of_upload(upload_id, ("error",))
    deleted = await deps.store.transition_many(errors, "deleted", lambda _: {})
    await _announce(deps, [ApplicationDeleted(**_event_fields(moved, actor)) for moved in deleted])
    return len(deleted)


async def expire_due(deps: Deps, now: datetime | None = None) -> int:
    """Saved applications past their 30 days expire; every read model hears of it."""
    due = await deps.store.due_for_expiry(now or utcnow())
    expired = await deps.store.transition_many(due, "expired", lambda _: {})
    await _announce(deps, [ApplicationExpired(**_event_fields(moved, None)) for moved in expired])
    return len(expired)
