"""Quotes, small-group enrollments and renewals (the transactions service), and
KP review. Reads are for whoever sees the transaction (its broker, its group's
administrator, a KP reviewer; anyone else: not found); moves go to the service,
which says who may make which (another broker's transaction: 409 with the
reason, as the review rules ask); an administrator acts for their own group only."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Response

from shared.errors import BadInput, Conflict, NotFound, NotPermitted

from ..deps import CurrentUser, ServicesDep, sees_group, well_formed
from ..policy import can_see_transaction
from ..users import User

router = APIRouter(tags=["transactions"])
TRANSACTION_ID = re.compile(r"(QT|EN|RN)-[0-9A-Z]{4}-[0-9A-Z]{4}", re.IGNORECASE)
Json = Annotated[dict[str, Any], Body()]
OptionalJson = Annotated[dict[str, Any] | None, Body()]


async def _record(transaction_id: str, services: ServicesDep) -> dict | None:
    well_formed("transaction", transaction_id, TRANSACTION_ID)
    return await services.read("transactions", "transactions", transaction_id.upper())


def _not_found(transaction_id: str) -> NotFound:
    return NotFound("transaction_not_found", f"Transaction {transaction_id} not found: check the ID.")


async def visible_transaction(transaction_id: str, user: CurrentUser, services: ServicesDep) -> dict:
    """The transaction's record, when the caller sees it."""
    record = await _record(transaction_id, services)
    if record is None or not can_see_transaction(user, record):
        raise _not_found(transaction_id)
    return record


async def movable_transaction(transaction_id: str, user: CurrentUser, services: ServicesDep) -> str:
    """The transaction's id, when it exists; an administrator's only when it is their group's."""
    record = await _record(transaction_id, services)
    if record is None:
        raise _not_found(transaction_id)
    if user.role == "group_admin" and record.get("group_id") != user.group_id:
        raise Conflict(
            "not_your_transaction",
            f"{record['transaction_id']} is another group's transaction: only its broker of record and "
            "that group's administrators can work on it.",
        )
    return record["transaction_id"]


VisibleTransaction = Annotated[dict, Depends(visible_transaction)]
MovableTransaction = Annotated[str, Depends(movable_transaction)]


async def reviewer(user: CurrentUser) -> User:
    if user.role != "kp_reviewer":
        raise NotPermitted("not_a_reviewer", "Only KP reviewers have a review queue.")
    return user


Reviewer = Annotated[User, Depends(reviewer)]


@router.post("/transactions", status_code=201)
async def start(user: CurrentUser, services: ServicesDep, body: Json) -> Response:
    """Start a quote, group enrollment or renewal (Open): ``{kind, group_id?, group_name?, region?, steps?}``.
    With a group id it is for one of the caller's groups (its name, broker and region are the group's);
    a quote may be for a business that is no KP group yet (``group_name``, ``region``)."""
    start_body: dict[str, Any] = {k: body.get(k) for k in ("kind", "steps", "group_name", "region")}
    group_id = body.get("group_id")
    if group_id is not None:
        if not isinstance(group_id, str):
            raise BadInput("bad_group_id", "group_id must be a group's ID as text, for example 230001.")
        well_formed("group", group_id)
        group = await sees_group(group_id, user, services)
        if group is None:
            raise NotFound("group_not_found", f"Group {group_id} not found.")
        start_body |= {
            "group_id": group_id,
            "group_name": group.get("name"),
            "broker_id": group.get("broker_id"),
            "region": group.get("region"),
        }
    return await services.forward("transactions", "POST", "transactions", json=start_body, actor=user)


@router.get("/transactions/{transaction_id}")
async def view(record: VisibleTransaction) -> dict:
    """One transaction: its status, steps, history of moves, and KP's instructions when returned."""
    return record


@router.put("/transactions/{transaction_id}/steps")
async def save(transaction_id: MovableTransaction, user: CurrentUser, services: ServicesDep, body: Json) -> Response:
    """Save (Save, Next, Back) the answers of the step on screen: ``{steps: {step: {field: value}}}``."""
    return await services.forward("transactions", "PUT", "transactions", transaction_id, "steps", json=body, actor=user)


async def _move(move: str, transaction_id: str, user: User, services: ServicesDep, body: dict | None = None):
    return await services.forward("transactions", "POST", "transactions", transaction_id, move, json=body, actor=user)


@router.post("/transactions/{transaction_id}/submit")
async def submit(
    transaction_id: MovableTransaction, user: CurrentUser, services: ServicesDep, body: OptionalJson = None
) -> Response:
    """Send it for KP review (Pending KP Review); refused (409) while a required answer is missing."""
    return await _move("submit", transaction_id, user, services, body)


@router.post("/transactions/{transaction_id}/continue")
async def continue_(transaction_id: MovableTransaction, user: CurrentUser, services: ServicesDep) -> Response:
    """Take back an Action Required transaction to change it (Open)."""
    return await _move("continue", transaction_id, user, services)


@router.post("/transactions/{transaction_id}/cancel")
async def cancel(transaction_id: MovableTransaction, user: CurrentUser, services: ServicesDep) -> Response:
    """Withdraw an Open or Action Required transaction: it leaves the history (409 once Completed)."""
    return await _move("cancel", transaction_id, user, services)


@router.post("/transactions/{transaction_id}/approve")
async def approve(
    transaction_id: MovableTransaction, user: CurrentUser, services: ServicesDep, body: OptionalJson = None
) -> Response:
    """KP approves it (Completed); anyone but a KP reviewer: 409."""
    return await _move("approve", transaction_id, user, services, body)


@router.post("/transactions/{transaction_id}/return")
async def return_for_action(
    transaction_id: MovableTransaction, user: CurrentUser, services: ServicesDep, body: Json
) -> Response:
    """KP returns it to the broker (Action Required): ``{instructions, contact_name, contact_phone}``."""
    return await _move("return", transaction_id, user, services, body)


@router.get("/review-queue")
async def review_queue(
    user: Reviewer,
    services: ServicesDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 25,
    kind: Annotated[str | None, Query(max_length=40, description="Quote, Group Enrollment or Renewal")] = None,
    region: Annotated[str | None, Query(max_length=8, description="CA, HI, CO, GA, MAS, NW or WA")] = None,
) -> Response:
    """What waits for KP review, oldest submission first (KP reviewers only)."""
    params = {k: v for k, v in {"kind": kind, "region": region, "page": page, "page_size": page_size}.items() if v}
    return await services.forward("transactions", "GET", "review-queue", params=params)


@router.post("/quotes")
async def quote(user: CurrentUser, services: ServicesDep, body: Json) -> Response:
    """Monthly premiums of a census on chosen plans, per member and in total (nothing is stored):
    ``{region, zip, effective_date, employees: [{date_of_birth, dependents: [{relationship, date_of_birth}]}],
    plan_ids}``. Illustrative rates."""
    return await services.forward("transactions", "POST", "quotes", json=body)


@router.get("/plans")
async def plans(
    user: CurrentUser, services: ServicesDep, region: Annotated[str, Query(max_length=8, pattern=r"^[A-Z]{2,3}$")]
) -> Response:
    """The plans a region offers, with their monthly base rates (illustrative)."""
    return await services.forward("transactions", "GET", "plans", params={"region": region})
