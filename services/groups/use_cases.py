"""The groups service's use cases: what its HTTP routes and Kafka subscriber
call. Each loads the group, lets the domain decide, and stores the record
with its events in one write; the relay then publishes them (the outbox)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from shared.contracts.envelope import Actor
from shared.contracts.reference import RegisterGroup
from shared.errors import must_exist
from shared.kafka import Outlet
from shared.outbox import Relay, publish_waiting

from . import domain
from .adapters import GroupStore

log = logging.getLogger(__name__)


@dataclass
class Deps:
    """What the use cases work with; the app's wiring fills it, tests put fakes in."""

    store: GroupStore | None = None
    outlet: Outlet | None = None
    relay: Relay | None = None


async def register(deps: Deps, commands: list[RegisterGroup]) -> None:
    """The insurer's feed (the demo seeder) registers groups: each record kept,
    then announced as GroupRegistered."""
    for command in commands:
        await deps.store.change(command.group_id, lambda group, command=command: group.register(command))
    await asyncio.gather(*(deps.relay.flush(g) for g in dict.fromkeys(c.group_id for c in commands)))


async def view(deps: Deps, group_id: str) -> domain.Record:
    """One group's record."""
    record = must_exist(await deps.store.get(group_id), "group_not_found", f"Group {group_id} not found.")
    return domain.view(record)


async def update(deps: Deps, group_id: str, body: dict[str, Any], actor: Actor, correlation_id: str) -> domain.Record:
    """A group's own change of its contacts, mailing address, phone or e-mail:
    checked, stored under a version check, announced as GroupInformationUpdated."""
    domain.may_update(actor)  # a role that may not is refused whatever it sends
    changes = domain.checked_update(body)
    record = await deps.store.change(group_id, lambda group: group.update(changes, actor, correlation_id))
    await deps.relay.flush(group_id)
    log.info("group %s information updated by %s (%s)", group_id, actor.user_id, ", ".join(changes))
    return domain.view(record)


async def publish_outbox(deps: Deps, group_id: str) -> None:
    """What the relay does for one group: publish its waiting messages, then clear them."""
    await publish_waiting(deps.store, deps.outlet, group_id)
