"""The transactions service's use cases: what its HTTP routes call. Each loads
the transaction, lets the domain decide, and stores the record with the
messages announcing it in one write; the relay then publishes them (the
outbox). The gateway has checked the caller's tenancy (a broker's own groups,
an administrator's group, a reviewer for the queue) and passes the group's
facts; who may make which move is the domain's to say."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from shared.contracts.envelope import Actor
from shared.contracts.transactions import TransactionRecorded
from shared.errors import Conflict, Invalid, NotFound
from shared.kafka import Outlet
from shared.outbox import Relay, publish_waiting

from . import domain, quoting
from .adapters import TransactionStore

log = logging.getLogger(__name__)
ID_ATTEMPTS = 5


@dataclass
class Deps:
    """What the use cases work with; the app's wiring fills it, tests put fakes in."""

    store: TransactionStore | None = None
    outlet: Outlet | None = None
    relay: Relay | None = None
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


def announced(record: domain.Record, events: list[domain.TransactionEvent], correlation_id: str) -> list:
    """The messages for other services: the transaction as it now is, once per change."""
    return [
        TransactionRecorded(
            **domain.dashboard_fields(record) | {"revision": e.revision},
            event_id=e.event_id,
            correlation_id=correlation_id,
            occurred_at=e.at,
            change=e.type,
            actor=e.actor,
        )
        for e in events
    ]


def _not_found(transaction_id: str) -> NotFound:
    return NotFound("transaction_not_found", f"Transaction {transaction_id} not found: check the ID.")


async def start(deps: Deps, actor: Actor, body: dict[str, Any], correlation_id: str) -> domain.Record:
    """A new Open transaction with its first step's answers, under a readable ID drawn afresh
    if the first one drawn is taken."""
    kind = body.get("kind")
    region = body.get("region")
    if region is not None and region not in quoting.catalog().regions:
        regions = ", ".join(quoting.catalog().regions)
        raise Invalid("unknown_region", f"{str(region)[:20]!r} is not a KP region: choose one of {regions}.")
    for _ in range(ID_ATTEMPTS):
        transaction = domain.Transaction.start(
            domain.new_transaction_id(kind) if kind in domain.KINDS else "",
            kind,
            actor,
            deps.now(),
            group_name=body.get("group_name"),
            group_id=body.get("group_id"),
            broker_id=body.get("broker_id"),
            steps=body.get("steps") or {},
        )
        transaction.record["region"] = region
        messages = announced(transaction.record, transaction.events, correlation_id)
        if await deps.store.create(transaction.record, messages):
            await deps.relay.flush(transaction.transaction_id)
            log.info("transaction %s (%s) started by %s", transaction.transaction_id, kind, actor.user_id)
            return transaction.record
    raise Conflict("id_exhausted", "No free transaction ID was found; try again.")


async def view(deps: Deps, transaction_id: str) -> domain.Record:
    """One transaction, by its ID as people type or say it (any case, O for 0, I or L for 1)."""
    found = domain.read_back(transaction_id)
    record = await deps.store.get(found) if found else None
    if record is None:
        raise _not_found(transaction_id)
    return record


async def move(
    deps: Deps, transaction_id: str, actor: Actor, correlation_id: str, act: Callable[[domain.Transaction], list]
) -> domain.Record:
    """One move of the state machine (``act`` calls the aggregate's method), stored with its message."""
    asked, transaction_id = transaction_id, domain.read_back(transaction_id)
    if transaction_id is None:
        raise _not_found(asked)

    def decide(transaction: domain.Transaction) -> list:
        return announced(transaction.record, act(transaction), correlation_id)

    record = await deps.store.change(transaction_id, decide)
    if record is None:
        raise _not_found(transaction_id)
    await deps.relay.flush(transaction_id)
    log.info("transaction %s now %s (by %s)", transaction_id, record["status"], actor.user_id)
    return record


def save(deps: Deps, tid: str, actor: Actor, cid: str, steps: dict[str, Any]):
    return move(deps, tid, actor, cid, lambda t: t.save(actor, deps.now(), steps))


def submit(deps: Deps, tid: str, actor: Actor, cid: str, steps: dict[str, Any] | None):
    return move(deps, tid, actor, cid, lambda t: t.submit(actor, deps.now(), steps))


def continue_(deps: Deps, tid: str, actor: Actor, cid: str):
    return move(deps, tid, actor, cid, lambda t: t.continue_(actor, deps.now()))


def cancel(deps: Deps, tid: str, actor: Actor, cid: str):
    return move(deps, tid, actor, cid, lambda t: t.cancel(actor, deps.now()))


def approve(deps: Deps, tid: str, actor: Actor, cid: str, note: str | None):
    return move(deps, tid, actor, cid, lambda t: t.approve(actor, deps.now(), note))


def return_for_action(deps: Deps, tid: str, actor: Actor, cid: str, body: dict[str, Any]):
    return move(
        deps,
        tid,
        actor,
        cid,
        lambda t: t.return_for_action(
            actor, deps.now(), body.get("instructions"), body.get("contact_name"), body.get("contact_phone")
        ),
    )


async def review_queue(deps: Deps, kind: str | None, region: str | None, page: int, page_size: int) -> dict:
    """What waits for KP review, oldest submission first, by kind and region."""
    waiting = [r for r in await deps.store.pending() if kind in (None, r["kind"]) and region in (None, r.get("region"))]
    start = (page - 1) * page_size
    items = [queue_line(r) for r in waiting[start : start + page_size]]
    return {"items": items, "total": len(waiting), "page": page, "page_size": page_size}


def queue_line(record: domain.Record) -> dict[str, Any]:
    return {
        k: record.get(k)
        for k in ("transaction_id", "kind", "group_id", "group_name", "broker_id", "region", "submitted_at", "status")
    }


def quote(census: quoting.Census, plan_ids: list[str], today: date) -> dict[str, Any]:
    """Premiums for a census on chosen plans (nothing stored: a quote is saved as a transaction's steps)."""
    return quoting.quote_to_dict(quoting.quote(census, plan_ids, today=today))


def plans(region: str) -> dict[str, Any]:
    """The plans a region offers, with their monthly base rates (illustrative)."""
    found = quoting.catalog()
    offered = found.in_region(region)
    if not offered:
        raise NotFound("unknown_region", f"No plans for region {region!r}: ask for one of CA, HI, CO, GA, MAS, NW, WA.")
    return {
        "region": region,
        "notice": found.notice,
        "plans": [
            {"plan_id": p.plan_id, "name": p.name, "metal_tier": p.metal_tier, "base_rate": f"{p.base_rate:.2f}"}
            for p in offered
        ],
    }


async def publish_outbox(deps: Deps, transaction_id: str) -> None:
    """What the relay does for one transaction: publish its waiting messages, then clear them."""
    await publish_waiting(deps.store, deps.outlet, transaction_id)
