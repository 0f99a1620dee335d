"""Messages about enrollment applications."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .envelope import Actor, Envelope

ApplicationStatus = Literal["ready", "error", "rejected"]


class Issue(BaseModel):
    """Why a row is not ready: where it is and what to do about it."""

    row: int
    column: str = Field(description="Column header as the template shows it", examples=["SSN"])
    code: str = Field(examples=["ssn_format"])
    message: str = Field(examples=["Row 7, column SSN: enter nine digits, like 123-45-6789."])
    severity: Literal["error", "rejected"]


class ApplicationClassified(Envelope):
    """Validation's verdict on one row. Internal: carries the member's cells in clear."""

    type: Literal["ApplicationClassified"] = "ApplicationClassified"
    application_id: str = Field(description="Deterministic: upload id and row number")
    upload_id: str
    group_id: str
    row_number: int
    status: ApplicationStatus
    issues: list[Issue]
    cells: dict[str, str | None]
    ssn_hash: str | None = Field(description="Keyed hash of the SSN when it was well formed")
    revision: int = Field(default=1, ge=1, description="Grows with every re-validation")
    actor: Actor


class MemberSummary(BaseModel):
    """What other systems may see of a member: no SSN, no date of birth."""

    first_name: str | None
    last_name: str | None
    subgroup_id: str | None
    ssn_last4: str | None


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
