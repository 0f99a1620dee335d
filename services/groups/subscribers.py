"""The groups service's Kafka side, as a table: the registrations it takes
and the topics it publishes to (from its outbox)."""

from __future__ import annotations

from shared.contracts import topics
from shared.contracts.reference import GroupInformationUpdated, GroupRegistered, RegisterGroup
from shared.kafka import On, Publication

from . import use_cases

SUBSCRIPTIONS = (On(topics.REGISTER_GROUP, "register", RegisterGroup, use_cases.register, reference=True),)
PUBLICATIONS = (
    Publication(topics.GROUP_REGISTERED, GroupRegistered, "A group's record as registered (no personal data)"),
    Publication(
        topics.GROUP_INFORMATION_UPDATED,
        GroupInformationUpdated,
        "A group changed its contacts, mailing address, phone or e-mail: the new values and who changed them",
    ),
)
