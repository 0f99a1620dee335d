"""The applications service's Kafka side, as a table: which messages go to
which use case, and the topics it publishes to (directly, or from its outbox)."""

from __future__ import annotations

from shared.contracts import topics
from shared.contracts.applications import (
    ApplicationClassified,
    ApplicationDeleted,
    ApplicationEdited,
    ApplicationExpired,
    ApplicationRecorded,
    ApplicationSavedForLater,
    ApplicationSubmitted,
    ArbitrationAgreementAttached,
    ValidateApplication,
)
from shared.kafka import On, Publication

from . import use_cases

LIFECYCLE = (
    ApplicationEdited
    | ApplicationDeleted
    | ApplicationSavedForLater
    | ApplicationExpired
    | ApplicationSubmitted
    | ArbitrationAgreementAttached
)

SUBSCRIPTIONS = (On(topics.APPLICATION_CLASSIFIED, "classified", ApplicationClassified, use_cases.record_classified),)
PUBLICATIONS = (
    Publication(topics.APPLICATION_RECORDED, ApplicationRecorded, "An application was classified and stored (masked)"),
    Publication(
        topics.APPLICATION_LIFECYCLE,
        LIFECYCLE,
        "Edited, deleted, saved for later, expired, submitted, agreement attached (personal data masked)",
    ),
    Publication(
        topics.VALIDATE_APPLICATION,
        ValidateApplication,
        "Command to validation: classify an edited application again (internal: PII)",
    ),
)
