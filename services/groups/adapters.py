"""Where the groups service keeps its records: the store's Protocol (what the
use cases need) and its MongoDB implementation. The in-memory fake for unit
tests is in ``tests/fakes.py``; both run the domain's aggregate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar, Protocol, TypeVar

from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import MongoStore, OutboxInDocuments, rewrite, with_outbox

from .domain import Group, Record

T = TypeVar("T")


class GroupStore(Protocol):
    async def get(self, group_id: str) -> Record | None:
        """A group's record, or None."""
        ...

    async def change(self, group_id: str, decide: Callable[[Group], T]) -> T:
        """Run ``decide`` on the group and store its record and the events it
        emitted (the outbox) in one version-checked write; ``decide`` runs
        again if another writer got in between. A refusal writes nothing."""
        ...

    async def outboxes_waiting(self, older_than: datetime) -> list[str]: ...
    async def outbox(self, group_id: str) -> list[dict[str, Any]]: ...
    async def clear_outbox(self, group_id: str, event_ids: set[str]) -> None: ...


class MongoGroupStore(OutboxInDocuments, MongoStore):
    """One document per group: ``{_id: group id, record: {...the group, its
    version}, maintained: [fields the group changed itself], version: the
    document's (the write check), outbox: [entry], outbox_since}``;
    ``outbox_since`` is indexed and present only while there is something
    to publish, so the relay finds leftovers without reading every group."""

    INDEXES: ClassVar = {"groups": [[("outbox_since", 1)]]}

    def __init__(self, db: AsyncDatabase) -> None:
        super().__init__(db)
        self._groups = self._outbox_collection = db["groups"]

    async def get(self, group_id: str) -> Record | None:
        doc = await self._groups.find_one({"_id": group_id}, {"record": 1})
        return doc["record"] if doc else None

    async def change(self, group_id: str, decide: Callable[[Group], T]) -> T:
        outcome: list[T] = []

        def changed(current: dict[str, Any] | None) -> dict[str, Any] | None:
            group = Group(group_id, (current or {}).get("record"), (current or {}).get("maintained"))
            outcome[:] = [decide(group)]
            if not group.events:
                return None
            kept = current or {"outbox": []}
            doc = {k: v for k, v in kept.items() if k not in ("_id", "version")}
            doc |= {"record": group.record, "maintained": group.maintained}
            return with_outbox(doc, kept, group.events)

        await rewrite(self._groups, group_id, changed)
        return outcome[0]
