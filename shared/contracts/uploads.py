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
    replaces_upload_id: str | None = Field(
        default=None,
        description="An error report of that upload, fixed and uploaded again: its rows replace that upload's "
        "error applications",
    )
    replaces_applications: int = Field(
        default=0, ge=0, description="How many of its rows name an error application (of replaces_upload_id) to replace"
    )


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
    replaces_application_id: str | None = Field(
        default=None,
        description="A row of an error report uploaded again: the error application it replaces (its member's "
        "claim does not count against this row; the applications service deletes it when it records this row)",
    )


class UploadProgressed(Envelope):
    """How far an upload's classification has come, for live progress in the browser.

    Published by the dashboard after each batch of events it projected that
    concerned the upload (one per upload per batch, coalesced), with the counts
    as its read model holds them after the write, once the upload's total is
    known. A notification, not a record: it is published right after the
    write, without an outbox (should the service stop in between, the batch
    is delivered again and publishes the upload's state then), and a reader
    re-reads the upload's progress (``GET /uploads/{id}``) when it connects,
    taking these as hints to update. Its ``event_id`` names the state it reports
    (the same state, the same id). ``classified`` never decreases and
    ``complete`` stays true once true; the other counts move as applications
    are edited, saved, submitted or deleted. No personal data. Keyed by group
    id.
    """

    type: Literal["UploadProgressed"] = "UploadProgressed"
    upload_id: str
    group_id: str
    total_rows: int = Field(ge=0, description="Member rows in the file")
    classified: int = Field(ge=0, description="Rows with a verdict so far (in whatever status they are now)")
    ready: int = Field(ge=0)
    error: int = Field(ge=0)
    rejected: int = Field(ge=0)
    complete: bool = Field(description="Every row of the file has its verdict")
