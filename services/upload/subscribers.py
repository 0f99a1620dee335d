"""The upload service's Kafka side, as a table: its subscription (the
projection of groups for templates) and the topics it publishes to."""

from __future__ import annotations

from shared.contracts import topics
from shared.contracts.reference import GroupRegistered
from shared.contracts.uploads import MemberRowParsed, UploadAccepted
from shared.kafka import On, Publication

from . import use_cases

SUBSCRIPTIONS = (On(topics.GROUP_REGISTERED, "groups", GroupRegistered, use_cases.project_groups, reference=True),)
PUBLICATIONS = (
    Publication(topics.UPLOAD_ACCEPTED, UploadAccepted, "A file was stored and parsed"),
    Publication(topics.MEMBER_ROW_PARSED, MemberRowParsed, "One member row (internal: PII)"),
)
