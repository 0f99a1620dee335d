"""The validation service's use cases, called by its subscribers: keep the
reference projection, classify files once all their rows arrived, classify
edited applications again, release the members of ended applications."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from shared.contracts.applications import (
    ApplicationClassified,
    ApplicationDeleted,
    ApplicationExpired,
    ApplicationLifecycleEvent,
    ValidateApplication,
    application_id,
)
from shared.contracts.envelope import carried
from shared.contracts.reference import GroupRegistered, MemberEnrolled
from shared.contracts.uploads import MemberRowParsed
from shared.crypto import FieldCipher
from shared.kafka import Outlet
from shared.pii import last4, ssn_digits, ssn_hash
from shared.settings import DEMO_SECRET

from .adapters import ReferenceStore
from .domain import Context, RowIn, Verdict, classify_file

log = logging.getLogger(__name__)


@dataclass
class Deps:
    """The reference projection and claims, the outlet for verdicts, the keys
    that hash and open members' SSNs, and the day (fakes and a fixed day in tests)."""

    store: ReferenceStore | None = None
    outlet: Outlet | None = None
    pii_key: str = ""
    today: Callable[[], date] = date.today
    # Opens the SSNs and dates of birth the rows carry encrypted.
    cipher: FieldCipher = field(default_factory=lambda: FieldCipher.from_setting(DEMO_SECRET))


async def project_groups(deps: Deps, events: list[GroupRegistered]) -> None:
    """Keep what the rules check of each group: its region, its subgroups, whether it may enroll."""
    await deps.store.upsert_groups(events)


async def project_members(deps: Deps, events: list[MemberEnrolled]) -> None:
    """Keep the groups' enrolled members as keyed SSN hashes: a new upload may not enroll them again."""
    await deps.store.upsert_members(events)


async def release_ended(deps: Deps, events: list[ApplicationLifecycleEvent]) -> None:
    """Deleted and expired applications no longer hold their members."""
    ended = {e.application_id for e in events if isinstance(e, ApplicationDeleted | ApplicationExpired)}
    if ended:
        await deps.store.release_claims(ended)


async def rows_arrived(deps: Deps, rows: list[MemberRowParsed]) -> None:
    """Keep rows until their file is complete, then classify the whole file.
    Offsets commit only after every verdict of a completed file is published."""
    by_upload: dict[str, list[MemberRowParsed]] = {}
    for row in rows:
        by_upload.setdefault(row.upload_id, []).append(row)
    for upload_id, file_rows in by_upload.items():
        total = file_rows[0].total_rows
        if len({r.row_number for r in file_rows}) >= total:
            # The usual case: the whole file came in one batch; nothing to keep.
            await classify_upload(deps, file_rows)
            continue
        await deps.store.stage_rows(file_rows)
        staged = await deps.store.staged_rows(upload_id)
        if len(staged) >= total:
            await classify_upload(deps, staged)


async def classify_upload(deps: Deps, rows: list[MemberRowParsed]) -> None:
    """Classify a whole file, claim its members, publish the verdicts."""
    rows = sorted({r.row_number: r for r in rows}.values(), key=lambda r: r.row_number)
    first = rows[0]
    upload_id = first.upload_id
    opened = [
        RowIn(r.row_number, application_id(upload_id, r.row_number), _open(deps, r.cells), r.replaces_application_id)
        for r in rows
    ]
    context = await _context(deps, first.group_id, first.region, opened)
    verdicts = classify_file(opened, context)
    # Members of applications that can go on are claimed, so another file
    # cannot enroll them at the same time.
    await deps.store.claim(
        first.group_id,
        {
            v.ssn_hash: application_id(upload_id, n)
            for n, v in verdicts.items()
            if v.ssn_hash and v.status != "rejected"
        },
    )
    await deps.outlet.send(
        verdict_message(row, opened_row.application_id, verdicts[row.row_number], f"{row.event_id}:", opened_row.cells)
        for row, opened_row in zip(rows, opened, strict=True)
    )
    await deps.store.finish_upload(upload_id)
    log.info("upload %s classified: %d rows", upload_id, len(rows))


async def revalidate(deps: Deps, commands: list[ValidateApplication]) -> None:
    """Classify edited applications again, each within its file."""
    for command in commands:
        rows = [RowIn(r.row_number, r.application_id, _open(deps, r.cells)) for r in command.file_rows]
        rows.append(RowIn(command.row_number, command.application_id, _open(deps, command.cells)))
        rows.sort(key=lambda r: r.row_number)
        rows_of = {r.row_number: r.cells for r in rows}
        context = await _context(deps, command.group_id, command.region, rows)
        verdict = classify_file(rows, context)[command.row_number]
        await deps.store.release_claims({command.application_id}, keep=verdict.ssn_hash)
        if verdict.ssn_hash and verdict.status != "rejected":
            await deps.store.claim(command.group_id, {verdict.ssn_hash: command.application_id}, replace=True)
        await deps.outlet.send(
            [
                verdict_message(
                    command, command.application_id, verdict, f"{command.application_id}:", rows_of[command.row_number]
                )
            ]
        )
        log.info("application %s classified again: %s", command.application_id, verdict.status)


def verdict_message(
    source: MemberRowParsed | ValidateApplication,
    app_id: str,
    verdict: Verdict,
    event_prefix: str,
    opened: dict[str, str | None],
) -> ApplicationClassified:
    """The verdict on one row (or edited application), with a deterministic
    event id: the row's (or the application's) and the revision it is about.
    The cells go on as they came (the SSNs and date of birth encrypted);
    ``opened`` are the same cells decrypted, for the SSN's last four digits."""
    revision = getattr(source, "revision", 1)
    # A fixed error report's row names the application it replaces; an edit never does.
    replaces = getattr(source, "replaces_application_id", None)
    return ApplicationClassified(
        event_id=f"{event_prefix}classified:{revision}",
        application_id=app_id,
        status=verdict.status,
        issues=verdict.issues,
        ssn_hash=verdict.ssn_hash,
        ssn_last4=last4(ssn_digits(opened.get("ssn"))) if verdict.ssn_hash else None,
        revision=revision,
        replaces_application_id=replaces,
        **carried(source, "correlation_id", "upload_id", "group_id", "region", "row_number", "cells", "actor"),
    )


def _open(deps: Deps, cells: dict[str, str | None]) -> dict[str, str | None]:
    """The cells decrypted for the rules. One that cannot be (encrypted with a key
    no longer held) is left empty, so its row is an error to fix, not a batch
    that fails again and again."""
    opened, unreadable = deps.cipher.open_readable(cells)
    if unreadable:
        log.warning("cell(s) %s could not be decrypted; validated as empty", ", ".join(sorted(unreadable)))
    return opened


async def _context(deps: Deps, group_id: str, region: str, rows) -> Context:
    def hash_ssn(digits: str) -> str:
        return ssn_hash(digits, deps.pii_key)

    hashes = {hash_ssn(d) for r in rows for key in ("ssn", "subscriber_ssn") if (d := ssn_digits(r.cells.get(key)))}
    return Context(
        group=await deps.store.group(group_id),
        region=region,
        enrolled=frozenset(await deps.store.enrolled_hashes(group_id, hashes)),
        pending=await deps.store.pending_claims(group_id, hashes),
        today=deps.today(),
        hash_ssn=hash_ssn,
    )
