"""Messages of the upload service."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .envelope import Actor, Envelope


class UploadAccepted(Envelope):
    """A mass-enrollment file was stored and parsed; ``total_rows`` row messages follow."""

    type: Literal["UploadAccepted"] = "UploadAccepted"
    upload_id: str
    group_id: str
    region: str
    group_name: str
    file_name: str
    total_rows: int = Field(ge=0)
    actor: Actor


class MemberRowParsed(Envelope):
    """One data row of an uploaded sheet, cells as text keyed by column key.

    Internal topic: carries the member's cells for validation, the SSNs and
    date of birth encrypted (shared.crypto), so only services of this product
    subscribe to it. Keyed by group id.
    """

    type: Literal["MemberRowParsed"] = "MemberRowParsed"
    upload_id: str
    group_id: str
    region: str
    row_number: int = Field(ge=1, description="Row number in the sheet, as Excel shows it")
    cells: dict[str, str | None] = Field(description="Column key -> cell text (None when empty)")
    total_rows: int = Field(ge=1, description="Member rows in the whole file: rules that look across rows wait for all")
    actor: Actor
