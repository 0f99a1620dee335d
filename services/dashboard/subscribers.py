"""The dashboard's Kafka side, as a table: which events feed which
projection (a use case each). It publishes nothing."""

from __future__ import annotations

from shared.contracts import topics
from shared.contracts.applications import ApplicationRecorded, LifecycleEvent
from shared.contracts.uploads import UploadAccepted
from shared.kafka import On, reference_data

from . import use_cases

SUBSCRIPTIONS = (
    *reference_data(use_cases.project_groups, use_cases.project_members),
    On(topics.UPLOAD_ACCEPTED, "uploads", UploadAccepted, use_cases.project_uploads),
    On(topics.APPLICATION_RECORDED, "applications", ApplicationRecorded, use_cases.project_recorded),
    On(topics.APPLICATION_LIFECYCLE, "lifecycle", LifecycleEvent, use_cases.project_lifecycle),
)
