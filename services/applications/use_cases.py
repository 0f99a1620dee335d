"""The applications service's use cases: what its HTTP routes and Kafka
subscribers call. Each loads the upload's applications, lets the domain
decide, and stores the outcome with its events in one write; the relay then
publishes the events (the outbox)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from shared.contracts.applications import ApplicationClassified, by_upload, is_application_id, upload_of
from shared.contracts.envelope import Actor, utcnow
from shared.crypto import FieldCipher
from shared.errors import Conflict, NotFound, must_exist
from shared.kafka import Outlet
from shared.outbox import Relay, publish_waiting
from shared.settings import DEMO_SECRET

from .adapters import ApplicationStore
from .domain import Replacement, Row, UploadApplications, Withdrawal, check_agreement, masked, refusal

log = logging.getLogger(__name__)
T = TypeVar("T")
# Roles that enroll members, and so may see a member's full SSN in their group.
ENROLLERS = ("broker", "group_admin")


@dataclass
class Deps:
    """What the use cases work with; the app's wiring fills it, tests put fakes in."""

    store: ApplicationStore | None = None
    outlet: Outlet | None = None
    relay: Relay | None = None
    save_for: timedelta = timedelta(days=30)
    max_agreement_bytes: int = 5 * 1024 * 1024
    # Seals and opens the SSNs and dates of birth the applications keep.
    cipher: FieldCipher = field(default_factory=lambda: FieldCipher.from_setting(DEMO_SECRET))


# --- from validation ---------------------------------------------------------


async def record_classified(deps: Deps, verdicts: list[ApplicationClassified]) -> None:
    """Store each verdict idempotently (id = upload + row; an older revision
    never overwrites a newer one), then announce it, masked."""
    announced, emitted = [], []
    for upload_id, pairs in by_upload((m.application_id, m) for m in verdicts).items():
        batch = [m for _, m in pairs]
        fields = {"group_id": batch[0].group_id, "region": batch[0].region}
        replaced = await _replace(deps, upload_id, batch)
        recorded, events = await deps.store.change(
            upload_id,
            lambda agg, batch=batch, replaced=replaced: (agg.record(batch, replaced), bool(agg.events)),
            lambda fields=fields: fields,
        )
        announced += recorded
        emitted += [upload_id] if events else []
    await deps.outlet.send(announced)
    # Lifecycle events of their own (the late rows of a withdrawn upload, deleted): out now, not at the relay's round.
    for upload_id in emitted:
        await deps.relay.flush(upload_id)


async def _replace(deps: Deps, upload_id: str, verdicts: list[ApplicationClassified]) -> dict[str, Replacement]:
    """The error applications a fixed error report's rows name are replaced
    (deleted, in their own upload's write) before the rows are recorded; a
    crash in between is made good by the redelivery, since a replacement by
    the same row is recognised. A row recorded already had its replacement
    decided then (a redelivery decides nothing again: the named application
    may have moved on since); a withdrawn upload replaces nothing."""
    naming = [m for m in verdicts if m.replaces_application_id and is_application_id(m.replaces_application_id)]
    if not naming:
        return {}
    upload = await deps.store.upload(upload_id)
    if upload.withdrawn_by is not None:
        return {}
    undecided = [m for m in naming if m.application_id not in upload.rows]
    outcomes: dict[str, Replacement] = {}
    for replaced_upload, pairs in by_upload((m.replaces_application_id, m) for m in undecided).items():
        named = [m for _, m in pairs]
        outcomes |= await deps.store.change(
            replaced_upload, lambda agg, named=named: agg.replace(named), _existing_only
        )
        await deps.relay.flush(replaced_upload)  # its ApplicationDeleted events: validation releases the claims
    return outcomes


# --- the users' actions ------------------------------------------------------


async def view(deps: Deps, application_id: str) -> Row:
    return must_exist(
        await deps.store.get(application_id), "application_not_found", f"Application {application_id} not found."
    )


def cells_for(deps: Deps, app: Row, actor: Actor | None) -> dict[str, str | None]:
    """The application's cells as this caller may see them: decrypted; the SSNs
    in full only for those who enroll members (the gateway checked the group is
    theirs), the last four digits for everyone else."""
    cells, _ = deps.cipher.open_readable(app.get("cells", {}))  # one that cannot be is shown empty
    return cells if actor is not None and actor.role in ENROLLERS else masked(cells)


async def of_upload(deps: Deps, upload_id: str, status: str) -> list[Row]:
    """An upload's applications of one status, with their values."""
    return (await deps.store.upload(upload_id)).with_status(status)


async def edit(deps: Deps, application_id: str, cells: dict[str, str | None], actor: Actor) -> Row:
    """Keep the new values and have validation classify them again."""
    return await _act(deps, application_id, lambda agg: agg.edit(application_id, cells, actor, deps.cipher.seal))


async def save_for_later(deps: Deps, application_id: str, actor: Actor, now: datetime | None = None) -> Row:
    """Kept for ``save_for`` (30 days), then the sweep expires it."""
    expires_at = (now or utcnow()) + deps.save_for
    # Refused before anything is written: a refused save must not move the
    # date of an application saved already.
    if reason := refusal("save", await view(deps, application_id)):
        raise Conflict("cannot_save", reason)
    # The due date is noted before the save: a note whose application did not
    # move (or moved on) is dropped by the sweep, while a saved application
    # without its note would never expire.
    await deps.store.note_expiry(application_id, expires_at)
    return await _act(deps, application_id, lambda agg: agg.save(application_id, actor, expires_at))


async def delete(deps: Deps, application_id: str, actor: Actor) -> Row:
    return await _act(deps, application_id, lambda agg: agg.delete(application_id, actor))


async def submit(deps: Deps, application_id: str, actor: Actor) -> Row:
    now = utcnow()
    return await _act(deps, application_id, lambda agg: agg.submit(application_id, actor, now))


async def submit_ready(deps: Deps, upload_id: str, actor: Actor) -> list[Row]:
    """Submit Ready Applications: every ready application of the upload, in one write."""
    now = utcnow()
    return await _act_on_upload(deps, upload_id, lambda agg: agg.submit_ready(actor, now))


async def delete_errors(deps: Deps, upload_id: str, actor: Actor) -> list[Row]:
    """Delete All Error Applications of the upload, in one write."""
    return await _act_on_upload(deps, upload_id, lambda agg: agg.delete_errors(actor))


async def withdraw(deps: Deps, upload_id: str, actor: Actor) -> Withdrawal:
    """Withdraw an upload before submitting it: its open applications deleted in one write, submitted ones kept."""
    return await _act_on_upload(deps, upload_id, lambda agg: agg.withdraw(actor))


async def expire_due(deps: Deps, now: datetime | None = None) -> int:
    """Saved applications past their time expire; every read model hears of it."""
    now = now or utcnow()
    notes = await deps.store.due_for_expiry(now)
    expired: list[Row] = []
    for upload_id, pairs in by_upload(notes).items():
        due = {app_id for app_id, _ in pairs}
        expired += await _act_on_upload(deps, upload_id, lambda agg, due=due: agg.expire(due, now))
        # Saved again since (a note that lost a race with the save it was
        # for): noted anew with the date the application holds.
        for app in (await deps.store.upload(upload_id)).with_status("saved"):
            if app["_id"] in due and app["expires_at"] > now:
                await deps.store.note_expiry(app["_id"], app["expires_at"])
    # Expired or moved on: the notes are done with (a note replaced meanwhile stays).
    await deps.store.forget_expiry(notes)
    if expired:
        log.info("%d saved application(s) expired", len(expired))
    return len(expired)


async def attach_agreement(deps: Deps, application_id: str, file_name: str, data: bytes, actor: Actor) -> dict:
    """A signed Member Arbitration Agreement (PDF), stored and noted on the application."""
    check_agreement(await view(deps, application_id), data, deps.max_agreement_bytes)
    file_id = await deps.store.save_agreement(application_id, file_name, data)
    agreement = {"file_id": file_id, "file_name": file_name, "size": len(data), "uploaded_at": utcnow()}
    await _act(deps, application_id, lambda agg: agg.attach_agreement(application_id, agreement, actor))
    log.info("arbitration agreement attached to %s by %s", application_id, actor.user_id)
    return agreement


async def read_agreement(deps: Deps, application_id: str) -> bytes:
    await view(deps, application_id)
    data = await deps.store.read_agreement(application_id)
    return must_exist(data, "no_agreement", f"Application {application_id} has no arbitration agreement.")


# --- the outbox --------------------------------------------------------------


async def publish_outbox(deps: Deps, upload_id: str) -> None:
    """What the relay does for one upload: publish its waiting events (a ValidateApplication with
    the upload's file rows it names), then clear them."""

    async def with_file_rows(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not any(e["message"]["type"] == "ValidateApplication" for e in entries):
            return entries
        upload = await deps.store.upload(upload_id)
        return [
            {**e, "message": upload.with_file_rows(e["message"])}
            if e["message"]["type"] == "ValidateApplication"
            else e
            for e in entries
        ]

    await publish_waiting(deps.store, deps.outlet, upload_id, with_file_rows)


async def _act(deps: Deps, application_id: str, decide: Callable[[UploadApplications], T]) -> T:
    if not is_application_id(application_id):
        raise NotFound("application_not_found", f"Application {application_id} not found.")
    return await _act_on_upload(deps, upload_of(application_id), decide)


async def _act_on_upload(deps: Deps, upload_id: str, decide: Callable[[UploadApplications], T]) -> T:
    result = await deps.store.change(upload_id, decide, _existing_only)
    await deps.relay.flush(upload_id)
    return result


def _existing_only() -> dict[str, Any]:
    # An action finds its application first (NotFound otherwise), so it never
    # creates an upload's document; only validation's verdicts do, and a
    # withdrawal that comes before them (it notes who withdrew the upload).
    return {}
