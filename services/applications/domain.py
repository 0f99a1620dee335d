"""Applications: what is kept of a classified row, what others may see of it,
and which actions each status allows."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from shared.contracts.applications import ApplicationClassified, ApplicationRecorded, MemberSummary
from shared.contracts.columns import ARBITRATION_REGIONS
from shared.pii import last4, ssn_digits

# Which statuses each action starts from.
ALLOWED = {
    "edit": ("ready", "error", "saved"),
    "save": ("ready", "error"),
    "delete": ("ready", "error", "rejected", "saved"),
    "submit": ("ready", "saved"),
}
NOT_ALLOWED = {
    "edit": "Only ready, error and saved applications can be edited.",
    "save": "Only ready and error applications can be saved for later.",
    "delete": "This application can no longer be deleted.",
    "submit": "Only ready applications can be submitted; fix its errors first.",
}
# Crockford's alphabet: no I, L, O or U to misread.
CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHJKMNPQRSTVWXYZ")


class ActionRefused(Exception):
    """The action does not apply to the application as it is; ``message`` says why."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def check_action(action: str, application: dict[str, Any]) -> None:
    status = application["status"]
    if status not in ALLOWED[action]:
        raise ActionRefused(409, f"{NOT_ALLOWED[action]} Application {application['_id']} is {status}.")
    if action == "submit" and application.get("classification") != "ready":
        raise ActionRefused(409, f"{NOT_ALLOWED['submit']} Application {application['_id']} has errors.")


PDF_MAGIC = b"%PDF-"


def check_agreement(application: dict[str, Any], data: bytes, limit: int) -> None:
    """A Member Arbitration Agreement: California and Hawaii only, a real PDF, not too large."""
    if application.get("region") not in ARBITRATION_REGIONS:
        raise ActionRefused(403, "Only California and Hawaii groups can upload Member Arbitration Agreements.")
    if application["status"] in ("deleted", "expired"):
        raise ActionRefused(409, f"Application {application['_id']} is {application['status']}.")
    if not data:
        raise ActionRefused(400, "The file is empty. Choose the signed agreement (PDF).")
    if len(data) > limit:
        raise ActionRefused(
            413,
            f"The agreement is larger than {limit / 1_048_576:.0f} MB. Scan it at a lower "
            "resolution and upload it again.",
        )
    if not data.startswith(PDF_MAGIC):
        raise ActionRefused(415, "The agreement must be a PDF file; this file is not one. Save or scan it as PDF.")


def confirmation_id(application_id: str) -> str:
    """Human-readable, unique per application, the same on every retry."""
    digest = hashlib.sha256(application_id.encode()).digest()
    code = base64.b32encode(digest).decode().translate(CROCKFORD)[:8]
    return f"ME-{code[:4]}-{code[4:]}"


def member_summary(cells: dict[str, str | None]) -> MemberSummary:
    """Names and subgroup; the SSN reduced to its last four digits; no date of birth."""
    return MemberSummary(
        first_name=cells.get("first_name"),
        last_name=cells.get("last_name"),
        subgroup_id=cells.get("subgroup_id"),
        ssn_last4=last4(ssn_digits(cells.get("ssn"))),
    )


def application_document(message: ApplicationClassified) -> dict[str, Any]:
    """The stored application (system of record; never a read model for others)."""
    return {
        "upload_id": message.upload_id,
        "group_id": message.group_id,
        "region": message.region,
        "row_number": message.row_number,
        "status": message.status,
        "classification": message.status,
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
    return ApplicationRecorded(
        event_id=f"{message.application_id}:recorded:{message.revision}",
        correlation_id=message.correlation_id,
        application_id=message.application_id,
        upload_id=message.upload_id,
        group_id=message.group_id,
        row_number=message.row_number,
        status=message.status,
        issues=message.issues,
        member=member_summary(message.cells),
        revision=message.revision,
    )
