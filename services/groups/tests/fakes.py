"""An in-memory GroupStore: the same aggregate as the MongoDB store runs in
each change; only the keeping is a dict."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from services.groups.domain import Group, Record
from shared.outbox import entry

T = TypeVar("T")


class InMemoryGroupStore:
    def __init__(self) -> None:
        self.groups: dict[str, dict[str, Any]] = {}

    async def get(self, group_id: str) -> Record | None:
        doc = self.groups.get(group_id)
        return copy.deepcopy(doc["record"]) if doc else None

    async def change(self, group_id: str, decide: Callable[[Group], T]) -> T:
        current = self.groups.get(group_id, {})
        group = Group(group_id, copy.deepcopy(current.get("record")), current.get("maintained"))
        result = decide(group)
        if group.events:
            outbox = current.get("outbox", []) + [copy.deepcopy(entry(e)) for e in group.events]
            self.groups[group_id] = {"record": group.record, "maintained": group.maintained, "outbox": outbox}
        return result

    async def outboxes_waiting(self, older_than: datetime) -> list[str]:
        return [group_id for group_id, doc in self.groups.items() if doc["outbox"]]

    async def outbox(self, group_id: str) -> list[dict[str, Any]]:
        return list(self.groups.get(group_id, {}).get("outbox", []))

    async def clear_outbox(self, group_id: str, event_ids: set[str]) -> None:
        doc = self.groups[group_id]
        doc["outbox"] = [e for e in doc["outbox"] if e["event_id"] not in event_ids]
