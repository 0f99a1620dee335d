"""Applications: what is kept of a classified row, and what others may see of it."""

from __future__ import annotations

from typing import Any

from shared.contracts.applications import ApplicationClassified, ApplicationRecorded, MemberSummary
from shared.pii import last4, ssn_digits


def application_document(message: ApplicationClassified) -> dict[str, Any]:
    """The stored application (system of record; never a read model for others)."""
    return {
        "upload_id": message.upload_id,
        "group_id": message.group_id,
        "row_number": message.row_number,
        "status": message.status,
        "issues": [i.model_dump() for i in message.issues],
        "cells": message.cells,
        "ssn_hash": message.ssn_hash,
        "revision": message.revision,
        "actor": message.actor.model_dump(),
        "correlation_id": message.correlation_id,
        "classified_at": message.occurred_at,
    }


def recorded_event(message: ApplicationClassified) -> ApplicationRecorded:
    """The public event: names and subgroup, SSN reduced to its last four digits."""
    cells = message.cells
    return ApplicationRecorded(
        event_id=f"{message.application_id}:recorded:{message.revision}",
        correlation_id=message.correlation_id,
        application_id=message.application_id,
        upload_id=message.upload_id,
        group_id=message.group_id,
        row_number=message.row_number,
        status=message.status,
        issues=message.issues,
        member=MemberSummary(
            first_name=cells.get("first_name"),
            last_name=cells.get("last_name"),
            subgroup_id=cells.get("subgroup_id"),
            ssn_last4=last4(ssn_digits(cells.get("ssn"))),
        ),
        revision=message.revision,
    )
