"""An in-memory TransactionStore: the same aggregate as the MongoDB store runs in
each change; only the keeping is a dict."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from services.transactions.adapters import Decide
from services.transactions.domain import PENDING, Record, Transaction
from shared.contracts.envelope import Envelope
from shared.outbox import entry


class InMemoryTransactionStore:
    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}

    async def get(self, transaction_id: str) -> Record | None:
        doc = self.docs.get(transaction_id)
        return copy.deepcopy(doc["record"]) if doc else None

    async def create(self, record: Record, messages: list[Envelope]) -> bool:
        if record["transaction_id"] in self.docs:
            return False
        self.docs[record["transaction_id"]] = {"record": copy.deepcopy(record), "outbox": [entry(m) for m in messages]}
        return True

    async def change(self, transaction_id: str, decide: Decide) -> Record | None:
        doc = self.docs.get(transaction_id)
        if doc is None:
            return None
        transaction = Transaction(copy.deepcopy(doc["record"]))
        messages = decide(transaction)
        if messages:
            doc["record"] = transaction.record
            doc["outbox"] = doc["outbox"] + [entry(m) for m in messages]
        return copy.deepcopy(transaction.record)

    async def pending(self) -> list[Record]:
        waiting = [d["record"] for d in self.docs.values() if d["record"]["status"] == PENDING]
        return copy.deepcopy(sorted(waiting, key=lambda r: r["submitted_at"]))

    async def outboxes_waiting(self, older_than: datetime) -> list[str]:
        return [t for t, doc in self.docs.items() if doc["outbox"]]

    async def outbox(self, transaction_id: str) -> list[dict[str, Any]]:
        return list(self.docs.get(transaction_id, {}).get("outbox", []))

    async def clear_outbox(self, transaction_id: str, event_ids: set[str]) -> None:
        doc = self.docs[transaction_id]
        doc["outbox"] = [e for e in doc["outbox"] if e["event_id"] not in event_ids]
