"""Where the transactions service keeps its records: the store's Protocol
(what the use cases need) and its MongoDB implementation. The in-memory fake
for unit tests is in ``tests/fakes.py``; both run the domain's aggregate."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar, Protocol

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.contracts.envelope import Envelope
from shared.mongo import MongoStore, OutboxInDocuments, rewrite, with_outbox

from .domain import PENDING, Record, Transaction

# What a change decides: the messages announcing it (none: nothing changed).
Decide = Callable[[Transaction], list[Envelope]]
EPOCH = datetime(1970, 1, 1)


class TransactionStore(Protocol):
    async def get(self, transaction_id: str) -> Record | None:
        """A transaction's record, or None."""
        ...

    async def create(self, record: Record, messages: list[Envelope]) -> bool:
        """A new transaction with the messages announcing it (the outbox); False when its id is taken."""
        ...

    async def change(self, transaction_id: str, decide: Decide) -> Record | None:
        """Run ``decide`` on the transaction and store its record and messages in one
        version-checked write; ``decide`` runs again if another writer got in between.
        A refusal writes nothing. None when there is no such transaction."""
        ...

    async def pending(self) -> list[Record]:
        """Every transaction waiting for KP review, oldest submission first."""
        ...

    async def outboxes_waiting(self, older_than: datetime) -> list[str]: ...
    async def outbox(self, transaction_id: str) -> list[dict[str, Any]]: ...
    async def clear_outbox(self, transaction_id: str, event_ids: set[str]) -> None: ...


class MongoTransactionStore(OutboxInDocuments, MongoStore):
    """One document per transaction: ``{_id: transaction id, record: {...}, version: the
    document's (the write check), outbox: [entry], outbox_since, pending_since}``;
    ``pending_since`` (the submission time) is present only while the transaction waits for
    KP review and indexed, so the review queue reads those and no others."""

    INDEXES: ClassVar = {"transactions": [[("outbox_since", 1)], [("pending_since", 1)]]}

    def __init__(self, db: AsyncDatabase) -> None:
        super().__init__(db)
        self._transactions = self._outbox_collection = db["transactions"]

    async def get(self, transaction_id: str) -> Record | None:
        doc = await self._transactions.find_one({"_id": transaction_id}, {"record": 1})
        return doc["record"] if doc else None

    async def create(self, record: Record, messages: list[Envelope]) -> bool:
        doc = with_outbox(_document(record), {}, messages) | {"_id": record["transaction_id"], "version": 1}
        try:
            await self._transactions.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def change(self, transaction_id: str, decide: Decide) -> Record | None:
        outcome: list[Record | None] = [None]

        def changed(current: dict[str, Any] | None) -> dict[str, Any] | None:
            if current is None:
                return None
            transaction = Transaction(copy.deepcopy(current["record"]))
            messages = decide(transaction)
            outcome[0] = transaction.record
            if not messages:
                return None
            kept = {k: v for k, v in current.items() if k not in ("_id", "version", "pending_since")}
            return with_outbox(kept | _document(transaction.record), current, messages)

        await rewrite(self._transactions, transaction_id, changed)
        return outcome[0]

    async def pending(self) -> list[Record]:
        # A range on the index (not $exists, which SecantusDB may answer by a scan).
        found = self._transactions.find({"pending_since": {"$gt": EPOCH}}, {"record": 1})
        return [d["record"] async for d in found.sort("pending_since", 1)]


def _document(record: Record) -> dict[str, Any]:
    """The stored fields of a record: the record, and its place in the review queue."""
    doc: dict[str, Any] = {"record": record}
    if record["status"] == PENDING:
        doc["pending_since"] = record.get("submitted_at") or record["updated_at"]
    return doc
