"""Applications: the aggregate every action works on, its state machine and
the events each change emits. Pure: no I/O; the store and the fake both run
these methods inside their writes.

The aggregate is an upload's applications (250 at most): Submit Ready,
Delete All Errors, re-validating a row within its file and the expiry sweep
act on many of them at once, and one document per upload makes each action
one write, with its events beside it (the outbox).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.contracts.applications import (
    OPEN_STATUSES,
    ApplicationClassified,
    ApplicationDeleted,
    ApplicationEdited,
    ApplicationExpired,
    ApplicationLifecycleEvent,
    ApplicationRecorded,
    ApplicationSavedForLater,
    ApplicationSubmitted,
    ArbitrationAgreementAttached,
    FileRow,
    MemberSummary,
    ValidateApplication,
)
from shared.contracts.columns import ARBITRATION_REGIONS, COLUMNS
from shared.contracts.envelope import Actor, Envelope, carried
from shared.errors import BadInput, Conflict, Invalid, NotFound, NotPermitted, TooLarge, Unsupported
from shared.pii import is_sealed, last4, masked_ssn, ssn_digits
from shared.revisions import apply_revisions

Row = dict[str, Any]
Cells = dict[str, str | None]


@dataclass(frozen=True)
class Move:
    """One edge of the state machine: from which statuses an action starts,
    where it leads, and what to tell a user who tries it from elsewhere."""

    starts: tuple[str, ...]
    to: str
    refusal: str


MOVES = {
    "edit": Move(("ready", "error", "saved"), "validating", "Only ready, error and saved applications can be edited."),
    "save": Move(("ready", "error"), "saved", "Only ready and error applications can be saved for later."),
    "delete": Move(("ready", "error", "rejected", "saved"), "deleted", "This application can no longer be deleted."),
    "submit": Move(("ready", "saved"), "submitted", "Only ready applications can be submitted; fix its errors first."),
    "expire": Move(("saved",), "expired", "Only saved applications expire."),
}
# The cells a user may change: the template's columns.
EDITABLE_FIELDS = frozenset(c.key for c in COLUMNS)
# Crockford's alphabet: no I, L, O or U to misread.
CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHJKMNPQRSTVWXYZ")
PDF_MAGIC = b"%PDF-"


def refusal(action: str, app: Row) -> str | None:
    """Why ``action`` does not apply to the application as it is (None: it does)."""
    move = MOVES[action]
    if app["status"] not in move.starts:
        return f"{move.refusal} Application {app['_id']} is {app['status']}."
    if action == "submit" and app.get("classification") != "ready":
        return f"{move.refusal} Application {app['_id']} has errors."
    return None


@dataclass
class UploadApplications:
    """One upload's applications by id, and the events its changes emit.

    Rows are replaced, never changed in place: the store compares them with
    what it read to know whether anything changed."""

    upload_id: str
    rows: dict[str, Row]
    events: list[Envelope] = field(default_factory=list)

    # --- reading -----------------------------------------------------------
    def get(self, application_id: str) -> Row:
        row = self.rows.get(application_id)
        if row is None:
            raise NotFound("application_not_found", f"Application {application_id} not found.")
        return {"_id": application_id, **row}

    def file_rows(self, application_id: str) -> list[FileRow]:
        """The other open applications of the file, for the rules that look across rows."""
        others = [o for o in self.with_status(*OPEN_STATUSES) if o["_id"] != application_id]
        return [FileRow(application_id=o["_id"], row_number=o["row_number"], cells=o["cells"]) for o in others]

    def with_file_rows(self, command: dict[str, Any]) -> dict[str, Any]:
        """A ValidateApplication as the outbox keeps it, completed with the file's other rows."""
        rows = [r.model_dump(mode="json") for r in self.file_rows(command["application_id"])]
        return {**command, "file_rows": rows}

    def with_status(self, *statuses: str) -> list[Row]:
        found = [{"_id": a, **r} for a, r in self.rows.items() if r["status"] in statuses]
        return sorted(found, key=lambda a: a["row_number"])

    # --- validation's verdicts ---------------------------------------------
    def record(self, verdicts: list[ApplicationClassified]) -> list[ApplicationRecorded]:
        """Keep each verdict unless a newer revision is held (a redelivery, or
        a late first verdict after an edit, changes nothing). Returns the public
        events; the subscriber publishes them itself: its offset, committed
        after publishing, is its outbox."""
        apply_revisions(self.rows, [(m.application_id, application_row(m)) for m in verdicts])
        return [recorded_event(m) for m in verdicts]

    # --- the users' actions ------------------------------------------------
    def edit(
        self, application_id: str, cells: dict[str, str | None], actor: Actor, seal: Callable[[Cells], Cells]
    ) -> Row:
        """Keep the new values; validation classifies them again within the file."""
        unknown = sorted(set(cells) - EDITABLE_FIELDS)
        if unknown:
            raise Invalid("unknown_fields", f"Unknown field(s): {', '.join(unknown)}.")
        cleaned = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in cells.items()}
        last4 = ssn_last4(cleaned.get("ssn"))
        sealed = seal(cleaned)  # the SSNs and date of birth are kept encrypted
        moved = self._move("edit", self.get(application_id), {"cells": sealed, "ssn_last4": last4, "issues": []})
        # The other rows of the file travel with the command, but are not kept
        # in the outbox (up to 249 rows' cells, for every edit): the relay adds
        # them when it publishes (``with_file_rows``), from the file as it is then.
        self.events.append(
            ValidateApplication(
                **_envelope(moved, "validate"),
                application_id=moved["_id"],
                upload_id=self.upload_id,
                group_id=moved["group_id"],
                region=moved["region"],
                row_number=moved["row_number"],
                cells=sealed,
                file_rows=[],
                revision=moved["revision"],
                actor=actor,
            )
        )
        self._announce(ApplicationEdited, moved, actor, member=member_summary(cleaned, last4))
        return moved

    def save(self, application_id: str, actor: Actor, expires_at: datetime) -> Row:
        moved = self._move("save", self.get(application_id), {"expires_at": expires_at})
        self._announce(ApplicationSavedForLater, moved, actor, expires_at=expires_at)
        return moved

    def delete(self, application_id: str, actor: Actor) -> Row:
        moved = self._move("delete", self.get(application_id))
        self._announce(ApplicationDeleted, moved, actor)
        return moved

    def submit(self, application_id: str, actor: Actor, now: datetime) -> Row:
        return self._submit(self.get(application_id), actor, now)

    def submit_ready(self, actor: Actor, now: datetime) -> list[Row]:
        """Submit Ready Applications: every ready application of the upload."""
        return [self._submit(app, actor, now) for app in self.with_status("ready")]

    def delete_errors(self, actor: Actor) -> list[Row]:
        """Delete All Error Applications of the upload."""
        return [self.delete(app["_id"], actor) for app in self.with_status("error")]

    def expire(self, application_ids: set[str], now: datetime) -> list[Row]:
        """Saved applications past their time; the system acts, so no actor."""
        due = [a for a in self.with_status("saved") if a["_id"] in application_ids and a["expires_at"] <= now]
        expired = [self._move("expire", app) for app in due]
        for moved in expired:
            self._announce(ApplicationExpired, moved, None)
        return expired

    def attach_agreement(self, application_id: str, agreement: dict[str, Any], actor: Actor) -> Row:
        """Note the stored Member Arbitration Agreement on the application (no new version: no status change)."""
        app = self.get(application_id)
        self.rows[application_id] = {**self.rows[application_id], "arbitration_agreement": agreement}
        self.events.append(
            ArbitrationAgreementAttached(
                event_id=f"{application_id}:agreement:{agreement['uploaded_at'].isoformat()}",
                correlation_id=app.get("correlation_id") or application_id,
                application_id=application_id,
                upload_id=self.upload_id,
                group_id=app["group_id"],
                row_number=app["row_number"],
                file_name=agreement["file_name"],
                size=agreement["size"],
                actor=actor,
            )
        )
        return {**app, "arbitration_agreement": agreement}

    # --- the state machine -------------------------------------------------
    def _submit(self, app: Row, actor: Actor, now: datetime) -> Row:
        fields = {"confirmation_id": confirmation_id(app["_id"]), "submitted_at": now}
        moved = self._move("submit", app, fields)
        self._announce(
            ApplicationSubmitted,
            moved,
            actor,
            confirmation_id=moved["confirmation_id"],
            member=member_summary(moved["cells"], _last4_of(moved)),
        )
        return moved

    def _move(self, action: str, app: Row, fields: dict[str, Any] | None = None) -> Row:
        """Move one application along an edge of the state machine, to its next revision."""
        if reason := refusal(action, app):
            raise Conflict(f"cannot_{action}", reason)
        row = {**self.rows[app["_id"]], **(fields or {}), "status": MOVES[action].to, "revision": app["revision"] + 1}
        self.rows[app["_id"]] = row
        return {"_id": app["_id"], **row}

    def _announce(self, kind: type[ApplicationLifecycleEvent], app: Row, actor: Actor | None, **fields: Any) -> None:
        self.events.append(
            kind(
                **_envelope(app),
                application_id=app["_id"],
                upload_id=self.upload_id,
                group_id=app["group_id"],
                row_number=app["row_number"],
                revision=app["revision"],
                actor=actor,
                **fields,
            )
        )


def _envelope(app: Row, suffix: str = "") -> dict[str, str]:
    """Deterministic event ids (application, revision): a retry or a second
    relay of the same change is recognised downstream."""
    return {
        "event_id": f"{app['_id']}:{suffix + ':' if suffix else ''}{app['revision']}",
        "correlation_id": app.get("correlation_id") or app["_id"],
    }


def check_agreement(app: Row, data: bytes, limit: int) -> None:
    """A Member Arbitration Agreement: California and Hawaii only, a real PDF, not too large."""
    if app.get("region") not in ARBITRATION_REGIONS:
        raise NotPermitted(
            "arbitration_region", "Only California and Hawaii groups can upload Member Arbitration Agreements."
        )
    if app["status"] in ("deleted", "expired"):
        raise Conflict("application_closed", f"Application {app['_id']} is {app['status']}.")
    if not data:
        raise BadInput("empty_file", "The file is empty. Choose the signed agreement (PDF).")
    if len(data) > limit:
        raise TooLarge(
            "file_too_large",
            f"The agreement is larger than {limit / 1_048_576:.0f} MB. Scan it at a lower "
            "resolution and upload it again.",
        )
    if not data.startswith(PDF_MAGIC):
        raise Unsupported("not_pdf", "The agreement must be a PDF file; this file is not one. Save or scan it as PDF.")


def confirmation_id(application_id: str) -> str:
    """Human-readable, unique per application, the same on every retry."""
    digest = hashlib.sha256(application_id.encode()).digest()
    code = base64.b32encode(digest).decode().translate(CROCKFORD)[:8]
    return f"ME-{code[:4]}-{code[4:]}"


def member_summary(cells: Cells, last4: str | None) -> MemberSummary:
    """Names and subgroup; the SSN reduced to its last four digits; no date of birth."""
    return MemberSummary(
        first_name=cells.get("first_name"),
        last_name=cells.get("last_name"),
        subgroup_id=cells.get("subgroup_id"),
        ssn_last4=last4,
    )


def ssn_last4(value: str | None) -> str | None:
    return last4(ssn_digits(value))


def _last4_of(app: Row) -> str | None:
    """The SSN's last four digits: kept with the row, or (a row recorded before
    they were, with its cells in clear) read from its SSN."""
    if app.get("ssn_last4"):
        return app["ssn_last4"]
    ssn = app.get("cells", {}).get("ssn")
    return ssn_last4(ssn) if ssn and not is_sealed(ssn) else None


def application_row(message: ApplicationClassified) -> Row:
    """The stored application (system of record; never a read model for others)."""
    return {
        "upload_id": message.upload_id,
        "group_id": message.group_id,
        "region": message.region,
        "row_number": message.row_number,
        "status": message.status,
        "classification": message.status,
        "issues": [i.model_dump() for i in message.issues],
        "cells": message.cells,  # the SSNs and date of birth encrypted, as validation sent them
        "ssn_hash": message.ssn_hash,
        "ssn_last4": message.ssn_last4,
        "revision": message.revision,
        "actor": message.actor.model_dump(),
        "correlation_id": message.correlation_id,
        # As the database keeps it (milliseconds), so that the same verdict
        # delivered again compares equal and costs no write.
        "classified_at": message.occurred_at.replace(microsecond=message.occurred_at.microsecond // 1000 * 1000),
    }


def recorded_event(message: ApplicationClassified) -> ApplicationRecorded:
    """The public event: names and subgroup, SSN reduced to its last four digits."""
    return ApplicationRecorded(
        event_id=f"{message.application_id}:recorded:{message.revision}",
        member=member_summary(message.cells, message.ssn_last4),
        **carried(
            message, "correlation_id", "application_id", "upload_id", "group_id", "row_number", "status", "issues"
        ),
        revision=message.revision,
    )


def view(app: Row, cells: Cells | None = None) -> dict[str, Any]:
    """An application as a viewer sees it: ``cells`` decrypted (or masked) by the caller."""
    return {
        "application_id": app["_id"],
        "upload_id": app["upload_id"],
        "group_id": app["group_id"],
        "row_number": app["row_number"],
        "status": app["status"],
        "classification": app.get("classification"),
        "issues": app.get("issues", []),
        "cells": cells if cells is not None else app.get("cells", {}),
        "revision": app["revision"],
        "confirmation_id": app.get("confirmation_id"),
        "expires_at": app.get("expires_at"),
        "arbitration_agreement": app.get("arbitration_agreement"),
    }


def masked(cells: Cells) -> Cells:
    """The cells for a viewer who does not need the SSNs: their last four digits only."""
    return {k: masked_ssn(v) if k in ("ssn", "subscriber_ssn") and v else v for k, v in cells.items()}
