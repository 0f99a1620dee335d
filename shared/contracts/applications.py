"""Messages about enrollment applications."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Literal, TypeVar, get_args

from pydantic import BaseModel, Field

from .envelope import Actor, Envelope

T = TypeVar("T")

ApplicationStatus = Literal["ready", "error", "rejected"]
# Where an application is in its life; the first three are validation's verdicts.
LifecycleStatus = Literal["ready", "error", "rejected", "validating", "saved", "submitted", "deleted", "expired"]
STATUSES: tuple[str, ...] = get_args(LifecycleStatus)
# Statuses in which an application can still go on (and holds its member).
OPEN_STATUSES = ("ready", "error", "rejected", "validating", "saved")


def application_id(upload_id: str, row_number: int) -> str:
    """An application's id: its upload and its row, so every consumer derives the same one."""
    return f"{upload_id}-{row_number:04d}"


APPLICATION_ID = re.compile(r"[A-Za-z0-9]+-[0-9]{4}")


def is_application_id(value: str) -> bool:
    """Whether ``value`` has an application id's shape (checked before it is
    used in a database path)."""
    return APPLICATION_ID.fullmatch(value) is not None


def upload_of(application_id: str) -> str:
    """The upload an application came from (the inverse of :func:`application_id`)."""
    return application_id.rsplit("-", 1)[0]


def by_upload(pairs: Iterable[tuple[str, T]]) -> dict[str, list[tuple[str, T]]]:
    """(application id, anything) pairs grouped by the upload each application came from."""
    grouped: dict[str, list[tuple[str, T]]] = {}
    for app_id, value in pairs:
        grouped.setdefault(upload_of(app_id), []).append((app_id, value))
    return grouped


class Issue(BaseModel):
    """Why a row is not ready: where it is and what to do about it."""

    row: int
    column: str = Field(description="Column header as the template shows it", examples=["SSN"])
    code: str = Field(examples=["ssn_format"])
    message: str = Field(examples=["Row 7, column SSN: enter nine digits, like 123-45-6789."])
    severity: Literal["error", "rejected"]


class ApplicationClassified(Envelope):
    """Validation's verdict on one row. Internal: carries the member's cells, the
    SSNs and date of birth encrypted (shared.crypto)."""

    type: Literal["ApplicationClassified"] = "ApplicationClassified"
    application_id: str = Field(description="Deterministic: upload id and row number")
    upload_id: str
    group_id: str
    region: str
    row_number: int
    status: ApplicationStatus
    issues: list[Issue]
    cells: dict[str, str | None]
    ssn_hash: str | None = Field(description="Keyed hash of the SSN when it was well formed")
    ssn_last4: str | None = Field(default=None, description="The SSN's last four digits when it was well formed")
    revision: int = Field(default=1, ge=1, description="Grows with every re-validation")
    actor: Actor
    replaces_application_id: str | None = Field(
        default=None,
        description="Carried from MemberRowParsed: the error application this row replaces, whose claim on the "
        "member was not counted against it",
    )


class MemberSummary(BaseModel):
    """What other systems may see of a member: no SSN, no date of birth."""

    first_name: str | None
    last_name: str | None
    subgroup_id: str | None
    ssn_last4: str | None
    relationship: str | None = Field(default=None, examples=["Subscriber"])


class ApplicationRecorded(Envelope):
    """An application was stored with this status. Public: personal data masked."""

    type: Literal["ApplicationRecorded"] = "ApplicationRecorded"
    application_id: str
    upload_id: str
    group_id: str
    row_number: int
    status: ApplicationStatus
    issues: list[Issue]
    member: MemberSummary
    revision: int
    replaced_application_id: str | None = Field(
        default=None, description="The error application this one replaced (deleted: a fixed error report)"
    )


class FileRow(BaseModel):
    """Another row of the same file, for the rules that look across rows."""

    application_id: str
    row_number: int
    cells: dict[str, str | None]


class ValidateApplication(Envelope):
    """Command: classify an edited application again. Internal: carries the cells,
    the SSNs and date of birth encrypted (shared.crypto).

    ``file_rows`` are the other open applications of the same file, so family
    and duplicate rules see them; validation answers with ApplicationClassified
    at the same ``revision``.
    """

    type: Literal["ValidateApplication"] = "ValidateApplication"
    application_id: str
    upload_id: str
    group_id: str
    region: str
    row_number: int
    cells: dict[str, str | None]
    file_rows: list[FileRow]
    revision: int = Field(ge=2)
    actor: Actor


STATUS_AFTER = "The application's status after this change"
# Why an error application was deleted when a fixed error report's row took its place.
REPLACED = "replaced by a fixed upload"


class ApplicationLifecycleEvent(Envelope):
    """Something a user (or the 30-day expiry) did to an application."""

    application_id: str
    upload_id: str
    group_id: str
    row_number: int
    revision: int = Field(description="The application's version after this change; newer wins in read models")
    status: LifecycleStatus = Field(description=STATUS_AFTER)
    actor: Actor | None = Field(description="None when the system acted (expiry)")


class ApplicationEdited(ApplicationLifecycleEvent):
    """The user changed the application; it is being validated again."""

    type: Literal["ApplicationEdited"] = "ApplicationEdited"
    status: Literal["validating"] = Field("validating", description=STATUS_AFTER)
    member: MemberSummary


class ApplicationDeleted(ApplicationLifecycleEvent):
    type: Literal["ApplicationDeleted"] = "ApplicationDeleted"
    status: Literal["deleted"] = Field("deleted", description=STATUS_AFTER)
    reason: str | None = Field(default=None, description="Why, when not a user's delete", examples=[REPLACED])
    replaced_by_application_id: str | None = Field(
        default=None, description="The application of a fixed error report's row that replaced this one"
    )


class ApplicationSavedForLater(ApplicationLifecycleEvent):
    type: Literal["ApplicationSavedForLater"] = "ApplicationSavedForLater"
    status: Literal["saved"] = Field("saved", description=STATUS_AFTER)
    expires_at: datetime


class ApplicationExpired(ApplicationLifecycleEvent):
    """A saved application was not finished within its 30 days."""

    type: Literal["ApplicationExpired"] = "ApplicationExpired"
    status: Literal["expired"] = Field("expired", description=STATUS_AFTER)


class ApplicationSubmitted(ApplicationLifecycleEvent):
    """Submitted for KP review, with the confirmation ID the user keeps for tracking."""

    type: Literal["ApplicationSubmitted"] = "ApplicationSubmitted"
    status: Literal["submitted"] = Field("submitted", description=STATUS_AFTER)
    confirmation_id: str = Field(examples=["ME-7F3K-9Q2D"])
    member: MemberSummary


class ArbitrationAgreementAttached(Envelope):
    """A signed Member Arbitration Agreement (PDF) was attached to an application.
    Changes no status: it is for the audit trail and other systems."""

    type: Literal["ArbitrationAgreementAttached"] = "ArbitrationAgreementAttached"
    application_id: str
    upload_id: str
    group_id: str
    row_number: int
    file_name: str
    size: int = Field(ge=0, description="Bytes")
    actor: Actor


LifecycleEvent = Annotated[
    ApplicationEdited
    | ApplicationDeleted
    | ApplicationSavedForLater
    | ApplicationExpired
    | ApplicationSubmitted
    | ArbitrationAgreementAttached,
    Field(discriminator="type"),
]
