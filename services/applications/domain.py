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
from typing import Any, Literal, NamedTuple

from shared.contracts.applications import (
    OPEN_STATUSES,
    REPLACED,
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
from shared.contracts.columns import ARBITRATION_REGIONS, column_keys
from shared.contracts.envelope import Actor, Envelope, carried
from shared.errors import BadInput, Conflict, NotFound, NotPermitted, TooLarge, Unsupported
from shared.pii import is_sealed, last4, masked_ssn, ssn_digits
from shared.revisions import apply_revisions

Row = dict[str, Any]
Cells = dict[str, str | None]
# What became of the error application a fixed error report's row names (UploadApplications.replace).
Replacement = Literal["replaced", "stands", "again"]


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


class Withdrawal(NamedTuple):
    """What withdrawing an upload did: how many applications it withdrew, how many submitted ones it kept."""

    withdrawn: int
    kept_submitted: int


@dataclass
class UploadApplications:
    """One upload's applications by id, and the events its changes emit.

    Rows are replaced, never changed in place: the store compares them with
    what it read to know whether anything changed."""

    upload_id: str
    rows: dict[str, Row]
    events: list[Envelope] = field(default_factory=list)
    # Who withdrew the upload (an Actor as data), once someone has: what
    # validation classifies afterwards is withdrawn as it arrives.
    withdrawn_by: dict[str, Any] | None = None

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
    def record(
        self, verdicts: list[ApplicationClassified], replacements: dict[str, Replacement] | None = None
    ) -> list[ApplicationRecorded]:
        """Keep each verdict unless a newer revision is held (a redelivery, or
        a late first verdict after an edit, changes nothing). Returns the public
        events; the subscriber publishes them itself: its offset, committed
        after publishing, is its outbox.

        ``replacements``: for the first verdicts on a fixed error report's rows,
        what became of the application each row names (:meth:`replace`); it is
        kept with the row. A row whose named application may still hold its
        member is validated again as any row (its first verdict not announced)."""
        replacements = replacements or {}
        for m in verdicts:
            if replacements.get(m.application_id) == "again" and m.application_id not in self.rows:
                self._validate_again(m)  # at the next revision: this verdict, older, is not kept
        apply_revisions(
            self.rows, [(m.application_id, application_row(m) | _replacing(m, replacements)) for m in verdicts]
        )
        if self.withdrawn_by is not None:
            self._delete_open(Actor.model_validate(self.withdrawn_by))
        return [recorded_event(m, self.rows.get(m.application_id)) for m in verdicts if _announced(m, self.rows)]

    def replace(self, verdicts: list[ApplicationClassified]) -> dict[str, Replacement]:
        """The error applications of this upload that a fixed error report's
        rows name (``verdicts``: validation's first verdicts on those rows):
        each still in error is deleted, replaced by its row's application.
        Returns, by the row's application id, what became of the one it names:

        - ``replaced``: deleted now, or by this same row before (a redelivery);
        - ``stands``: deleted or expired otherwise, or it is another member's
          (both SSNs known and different, as when rows were moved in the sheet):
          it is left as it is, and validation's verdict on the row stands;
        - ``again``: it went on meanwhile (fixed, saved or submitted in the
          portal, or replaced by another file's row), so it may still hold the
          member: the row is validated again as any row (likely Rejected as
          already pending)."""
        return {m.application_id: self._replacement(m) for m in verdicts}

    def _replacement(self, m: ApplicationClassified) -> Replacement:
        old = self.rows.get(m.replaces_application_id)
        if old is None or old["group_id"] != m.group_id:
            return "stands"  # none to replace (the upload service names only its reports' applications)
        if old.get("replaced_by") == m.application_id:
            return "replaced"
        if old["status"] == "error" and not _other_member(old, m):
            moved = self._move("delete", self.get(m.replaces_application_id), {"replaced_by": m.application_id})
            self._announce(
                ApplicationDeleted, moved, m.actor, reason=REPLACED, replaced_by_application_id=m.application_id
            )
            return "replaced"
        if old["status"] in ("error", "deleted", "expired") and not old.get("replaced_by"):
            return "stands"
        return "again" if m.status != "rejected" and m.ssn_hash else "stands"

    # --- the users' actions ------------------------------------------------
    def edit(
        self, application_id: str, cells: dict[str, str | None], actor: Actor, seal: Callable[[Cells], Cells]
    ) -> Row:
        """Change the cells named (None clears one) and keep the others, so an
        edit of one cell loses nothing; validation classifies the whole
        application again within the file."""
        app = self.get(application_id)
        check_cell_names(cells, app)
        cleaned = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in cells.items()}
        last4 = ssn_last4(cleaned["ssn"]) if "ssn" in cleaned else _last4_of(app)
        # The new SSNs and date of birth are kept encrypted, as the others are.
        sealed = {**app.get("cells", {}), **seal(cleaned)}
        moved = self._move("edit", app, {"cells": sealed, "ssn_last4": last4, "issues": []})
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
        self._announce(ApplicationEdited, moved, actor, member=member_summary(sealed, last4))
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

    def withdraw(self, actor: Actor) -> Withdrawal:
        """Withdraw the upload before submitting it: every open application is
        deleted (validation releases its member); submitted ones are kept.

        An application validation has not answered for yet (the file still
        being classified, an edit being validated again) is deleted when its
        verdict comes (``record``): deleted before, the verdict would claim
        its member again after the release. It counts as withdrawn."""
        self.withdrawn_by = self.withdrawn_by or actor.model_dump(mode="json")
        deleted = self._delete_open(actor)
        return Withdrawal(len(deleted) + len(self.with_status("validating")), len(self.with_status("submitted")))

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
    def _validate_again(self, m: ApplicationClassified) -> None:
        """A fixed error report's row whose named application was not replaced:
        validation classifies it again, now without that exception (a new
        revision, as after an edit; its first verdict is not announced)."""
        row = application_row(m) | _replacing(m, {m.application_id: "again"})
        row |= {"status": "validating", "revision": m.revision + 1, "issues": []}
        self.rows[m.application_id] = row
        self.events.append(
            ValidateApplication(
                **_envelope({"_id": m.application_id, **row}, "validate"),
                application_id=m.application_id,
                upload_id=self.upload_id,
                group_id=m.group_id,
                region=m.region,
                row_number=m.row_number,
                cells=m.cells,
                file_rows=[],  # added by the relay when it publishes (``with_file_rows``)
                revision=row["revision"],
                actor=m.actor,
            )
        )

    def _delete_open(self, actor: Actor) -> list[Row]:
        return [self.delete(app["_id"], actor) for app in self.with_status(*MOVES["delete"].starts)]

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


def _replacing(m: ApplicationClassified, replacements: dict[str, Replacement]) -> Row:
    """What a fixed error report's row keeps of its replacement, decided with its first verdict."""
    outcome = replacements.get(m.application_id)
    return {"replaces": m.replaces_application_id, "replacement": outcome} if outcome else {}


def _announced(m: ApplicationClassified, rows: dict[str, Row]) -> bool:
    """Every verdict is announced but the first verdict on a row sent to be validated again."""
    return not (m.replaces_application_id and rows.get(m.application_id, {}).get("replacement") == "again")


def _other_member(old: Row, m: ApplicationClassified) -> bool:
    return bool(old.get("ssn_hash") and m.ssn_hash and old["ssn_hash"] != m.ssn_hash)


def _envelope(app: Row, suffix: str = "") -> dict[str, str]:
    """Deterministic event ids (application, revision): a retry or a second
    relay of the same change is recognised downstream."""
    return {
        "event_id": f"{app['_id']}:{suffix + ':' if suffix else ''}{app['revision']}",
        "correlation_id": app.get("correlation_id") or app["_id"],
    }


def check_cell_names(cells: Cells, app: Row) -> None:
    """An edit names only cells an application holds: its template's columns
    (California and Hawaii add the arbitration column)."""
    known = column_keys(app.get("region", ""))
    unknown = sorted(set(cells) - set(known) - set(app.get("cells", {})))
    if unknown:
        shown = ", ".join(name[:40] for name in unknown[:10]) + (" …" if len(unknown) > 10 else "")
        raise BadInput(
            "unknown_cells",
            f"Unknown cell(s): {shown}. Known cells: see the template's columns; for this application "
            f"(region {app.get('region')}) they are {', '.join(known)}. Name only those.",
        )


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
    """Names, relationship and subgroup; the SSN reduced to its last four digits; no date of birth."""
    return MemberSummary(
        first_name=cells.get("first_name"),
        last_name=cells.get("last_name"),
        subgroup_id=cells.get("subgroup_id"),
        ssn_last4=last4,
        relationship=cells.get("relationship"),
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


def recorded_event(message: ApplicationClassified, row: Row | None = None) -> ApplicationRecorded:
    """The public event: names and subgroup, SSN reduced to its last four
    digits; with the application it replaced when ``row`` (the row as kept)
    says this verdict's row replaced one."""
    replaced = row is not None and message.replaces_application_id and row.get("replacement") == "replaced"
    return ApplicationRecorded(
        event_id=f"{message.application_id}:recorded:{message.revision}",
        member=member_summary(message.cells, message.ssn_last4),
        **carried(
            message, "correlation_id", "application_id", "upload_id", "group_id", "row_number", "status", "issues"
        ),
        revision=message.revision,
        replaced_application_id=row["replaces"] if replaced else None,
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
