"""The broker's home and lists across their groups: renewals, book of
business, transaction history. Each route names the caller's scope (their
book, their group, or every group for a KP reviewer) and forwards: what a
scope holds is the dashboard's to answer, from its read models."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from shared.contracts.transactions import ListedStatus, TransactionType

from ..deps import CurrentUser, Paging, ServicesDep
from ..policy import scope_of

router = APIRouter(tags=["dashboard"])

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
Text = Annotated[str | None, Query(max_length=100)]


def present(**params: object) -> dict:
    """The parameters the caller gave, as the dashboard takes them."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in params.items() if v is not None}


@router.get("/dashboard")
async def home(user: CurrentUser, services: ServicesDep) -> Response:
    """A broker's home in one answer: ``renewals`` (as /dashboard/renewals) and ``recent`` (as
    /dashboard/recent-transactions)."""
    return await services.forward("dashboard", "GET", "home", params={"scope": scope_of(user)})


@router.get("/dashboard/renewals")
async def renewals(user: CurrentUser, services: ServicesDep) -> Response:
    """Review Your Renewals: this month and the five after it, each with its total and first four groups
    (by renewal date, then name); groups acquired within the past 90 days are not listed."""
    return await services.forward("dashboard", "GET", "renewals", params={"scope": scope_of(user)})


@router.get("/dashboard/renewals/{month}")
async def renewal_month(
    month: Annotated[str, Path(pattern=MONTH, description="YYYY-MM, one of the six months")],
    user: CurrentUser,
    services: ServicesDep,
    paging: Paging,
) -> Response:
    """View More: all of one month's renewing groups, paged."""
    return await services.forward("dashboard", "GET", "renewals", month, params={"scope": scope_of(user)} | paging)


@router.get("/dashboard/recent-transactions")
async def recent_transactions(user: CurrentUser, services: ServicesDep) -> Response:
    """The ten newest transactions of the caller's groups, for the home page."""
    return await services.forward("dashboard", "GET", "recent-transactions", params={"scope": scope_of(user)})


@router.get("/book")
async def book_of_business(
    user: CurrentUser,
    services: ServicesDep,
    paging: Paging,
    q: Annotated[str | None, Query(max_length=100, description="Group name (a word's beginning) or group ID")] = None,
    region: Annotated[str | None, Query(max_length=8, description="CA, HI, CO, GA, MAS, NW or WA")] = None,
    renewal_month: Annotated[str | None, Query(pattern=MONTH, description="YYYY-MM")] = None,
    status: Annotated[str | None, Query(max_length=20, description="New, Renewal due or Active")] = None,
    size: Annotated[str | None, Query(max_length=8, description="1-9, 10-49, 50-99 or 100+")] = None,
    segment: Annotated[str | None, Query(max_length=20, description="small_business: under 100 eligible")] = None,
    sort: Annotated[
        str | None,
        Query(max_length=20, description="name, -name, group_id, renewal_date, -renewal_date, enrolled_count, ..."),
    ] = None,
) -> Response:
    """The book of business: the caller's groups searched, filtered, sorted and paged, with each filter's counts."""
    asked = {"q": q, "region": region, "renewal_month": renewal_month, "status": status, "size": size}
    params = present(scope=scope_of(user), **asked, segment=segment, sort=sort)
    return await services.forward("dashboard", "GET", "book", params=params | paging)


@router.get("/transactions")
async def transaction_history(
    user: CurrentUser,
    services: ServicesDep,
    paging: Paging,
    type: TransactionType | None = None,
    status: ListedStatus | None = None,
    group_id: Annotated[
        str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Only this group's (one of the caller's)")
    ] = None,
    created_by: Text = None,
    date_from: Annotated[date | None, Query(alias="from", description="Created on or after (YYYY-MM-DD)")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Created on or before (YYYY-MM-DD)")] = None,
) -> Response:
    """The transaction history of the caller's groups, newest first, with each column's counts; another
    tenant's group ID finds nothing."""
    asked = {"type": type, "status": status, "group_id": group_id, "created_by": created_by}
    params = present(scope=scope_of(user), **asked, **{"from": date_from, "to": date_to})
    return await services.forward("dashboard", "GET", "transactions", params=params | paging)
