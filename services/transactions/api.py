"""The transactions service's HTTP routes: each decodes the request, calls one
use case and shapes the answer. The gateway checked the caller's tenancy; the
caller's identity comes signed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, Field

from shared.service import CallerDep, CorrelationDep, deps_of

from . import quoting, use_cases
from .use_cases import Deps

routes = APIRouter()
ServiceDeps = Annotated[Deps, Depends(deps_of)]
Json = Annotated[dict[str, Any], Body()]
OptionalJson = Annotated[dict[str, Any] | None, Body()]


@routes.post("/transactions", status_code=201)
async def start(body: Json, actor: CallerDep, deps: ServiceDeps, cid: CorrelationDep) -> dict:
    """A new Open transaction: ``{kind, group_name, group_id?, broker_id?, region?, steps?}``."""
    return await use_cases.start(deps, actor, body, cid)


@routes.get("/transactions/{transaction_id}")
async def view(transaction_id: str, deps: ServiceDeps) -> dict:
    return await use_cases.view(deps, transaction_id)


@routes.put("/transactions/{transaction_id}/steps")
async def save(transaction_id: str, body: Json, actor: CallerDep, deps: ServiceDeps, cid: CorrelationDep) -> dict:
    """Save the answers of the step on screen: ``{steps: {step: {field: value}}}``."""
    return await use_cases.save(deps, transaction_id, actor, cid, body.get("steps") or {})


@routes.post("/transactions/{transaction_id}/submit")
async def submit(
    transaction_id: str, actor: CallerDep, deps: ServiceDeps, cid: CorrelationDep, body: OptionalJson = None
) -> dict:
    return await use_cases.submit(deps, transaction_id, actor, cid, (body or {}).get("steps"))


@routes.post("/transactions/{transaction_id}/continue")
async def continue_(transaction_id: str, actor: CallerDep, deps: ServiceDeps, cid: CorrelationDep) -> dict:
    return await use_cases.continue_(deps, transaction_id, actor, cid)


@routes.post("/transactions/{transaction_id}/cancel")
async def cancel(transaction_id: str, actor: CallerDep, deps: ServiceDeps, cid: CorrelationDep) -> dict:
    return await use_cases.cancel(deps, transaction_id, actor, cid)


@routes.post("/transactions/{transaction_id}/approve")
async def approve(
    transaction_id: str, actor: CallerDep, deps: ServiceDeps, cid: CorrelationDep, body: OptionalJson = None
) -> dict:
    return await use_cases.approve(deps, transaction_id, actor, cid, (body or {}).get("note"))


@routes.post("/transactions/{transaction_id}/return")
async def return_for_action(
    transaction_id: str, body: Json, actor: CallerDep, deps: ServiceDeps, cid: CorrelationDep
) -> dict:
    """Back to the broker: ``{instructions, contact_name, contact_phone}``."""
    return await use_cases.return_for_action(deps, transaction_id, actor, cid, body)


@routes.get("/review-queue")
async def review_queue(
    deps: ServiceDeps,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    region: Annotated[str | None, Query(max_length=8)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 25,
) -> dict:
    return await use_cases.review_queue(deps, kind, region, page, page_size)


class DependentIn(BaseModel):
    relationship: str = Field(max_length=20, description="spouse, domestic_partner or child")
    date_of_birth: date
    label: str | None = Field(default=None, max_length=80)


class EmployeeIn(BaseModel):
    date_of_birth: date
    label: str | None = Field(default=None, max_length=80)
    dependents: list[DependentIn] = Field(default_factory=list, max_length=20)


class QuoteIn(BaseModel):
    """A census to price: who, where, from when, on which plans."""

    region: str = Field(max_length=8)
    zip: str = Field(max_length=10)
    effective_date: date
    employees: list[EmployeeIn] = Field(max_length=quoting.MAX_PEOPLE)
    plan_ids: list[Annotated[str, Field(max_length=40)]] = Field(max_length=20)

    def census(self) -> quoting.Census:
        return quoting.Census(
            region=self.region,
            zip=self.zip,
            effective_date=self.effective_date,
            employees=tuple(
                quoting.Employee(
                    date_of_birth=e.date_of_birth,
                    label=e.label,
                    dependents=tuple(quoting.Dependent(d.relationship, d.date_of_birth, d.label) for d in e.dependents),
                )
                for e in self.employees
            ),
        )


@routes.post("/quotes")
async def quote(body: QuoteIn) -> dict:
    """Premiums for a census on chosen plans (stored nowhere)."""
    return use_cases.quote(body.census(), body.plan_ids, datetime.now(UTC).date())


@routes.get("/plans")
async def plans(region: Annotated[str, Query(max_length=8)]) -> dict:
    return use_cases.plans(region)
