"""The dashboard's Kafka side, as a table: which events feed which
projection (a use case each), and the uploads' progress it announces."""

from __future__ import annotations

from shared.contracts import topics
from shared.contracts.applications import ApplicationRecorded, LifecycleEvent
from shared.contracts.reference import GroupInformationUpdated
from shared.contracts.transactions import TransactionRecorded
from shared.contracts.uploads import UploadAccepted, UploadProgressed
from shared.kafka import On, Publication, reference_data

from . import use_cases

SUBSCRIPTIONS = (
    *reference_data(use_cases.project_groups, use_cases.project_members),
    On(
        topics.GROUP_INFORMATION_UPDATED,
        "group-information",
        GroupInformationUpdated,
        use_cases.project_group_information,
        reference=True,
    ),
    On(topics.UPLOAD_ACCEPTED, "uploads", UploadAccepted, use_cases.project_uploads),
    On(topics.APPLICATION_RECORDED, "applications", ApplicationRecorded, use_cases.project_recorded),
    On(topics.APPLICATION_LIFECYCLE, "lifecycle", LifecycleEvent, use_cases.project_lifecycle),
    On(topics.TRANSACTION_RECORDED, "transactions", TransactionRecorded, use_cases.project_transactions),
)
PUBLICATIONS = (
    Publication(
        topics.UPLOAD_PROGRESSED,
        UploadProgressed,
        "An upload's counts after each batch that concerned it (a notification, no outbox: re-read on connect)",
    ),
)
