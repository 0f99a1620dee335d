"""The validation service's Kafka side, as a table: which messages go to
which use case, and the topic it publishes to."""

from __future__ import annotations

from shared.contracts import topics
from shared.contracts.applications import ApplicationClassified, LifecycleEvent, ValidateApplication
from shared.contracts.uploads import MemberRowParsed
from shared.kafka import On, Publication, reference_data

from . import use_cases

SUBSCRIPTIONS = (
    *reference_data(use_cases.project_groups, use_cases.project_members),
    On(topics.MEMBER_ROW_PARSED, "rows", MemberRowParsed, use_cases.rows_arrived),
    On(topics.VALIDATE_APPLICATION, "edits", ValidateApplication, use_cases.revalidate),
    On(topics.APPLICATION_LIFECYCLE, "lifecycle", LifecycleEvent, use_cases.release_ended),
)
PUBLICATIONS = (
    Publication(topics.APPLICATION_CLASSIFIED, ApplicationClassified, "The verdict on each row (internal: PII)"),
)
