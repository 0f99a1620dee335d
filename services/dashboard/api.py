"""The dashboard's HTTP routes: queries over its read models, no personal data."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from shared.contracts.applications import STATUSES
from shared.contracts.transactions import ListedStatus, TransactionType
from shared.service import deps_of

from . import book, use_cases
from .book import BookQuery, Scope
from .history import HistoryQuery
from .use_cases import Deps

routes = APIRouter()
ServiceDeps = Annotated[Deps, Depends(deps_of)]
# Bounded: a larger skip overflows the database's integers (a 500), and no list is that long.
Page = Annotated[int, Query(ge=1, le=10_000)]
PageSize = Annotated[int, Query(ge=1, le=250)]
MemberQuery = Annotated[str | None, Query(max_length=100, description="A name, or an SSN's last four digits")]


async def scope_param(
    scope: Annotated[str, Query(max_length=80, description="all, broker:<user id> or group:<group id>")],
) -> Scope:
    return book.scope_of(scope)


ScopeParam = Annotated[Scope, Depends(scope_param)]
Month = Annotated[str, Query(pattern=book.MONTH.pattern, description="YYYY-MM")]


@routes.get("/groups")
async def groups(
    deps: ServiceDeps, broker_id: str | None = None, group_id: Annotated[list[str] | None, Query()] = None
) -> list[dict]:
    """Book of business, filtered by broker of record and/or group ids."""
    return await use_cases.groups(deps, broker_id, group_id)


@routes.get("/groups/{group_id}")
async def group(group_id: str, deps: ServiceDeps) -> dict:
    """One group of the book of business."""
    return await use_cases.group(deps, group_id)


@routes.get("/groups/{group_id}/saved-applications")
async def saved_applications(group_id: str, deps: ServiceDeps, page: Page = 1, page_size: PageSize = 25) -> dict:
    """The group's applications saved for later."""
    return await use_cases.saved(deps, group_id, page, page_size)


@routes.get("/groups/{group_id}/transactions")
async def transactions(group_id: str, deps: ServiceDeps, page: Page = 1, page_size: PageSize = 25) -> dict:
    """The group's transaction history, newest first."""
    return await use_cases.transactions(deps, group_id, page, page_size)


@routes.get("/groups/{group_id}/members")
async def members(
    group_id: str, deps: ServiceDeps, page: Page = 1, page_size: PageSize = 25, q: MemberQuery = None
) -> dict:
    """The group's enrolled members by last name, then first name (SSN last four only), searched by ``q``."""
    return await use_cases.members(deps, group_id, q, page, page_size)


@routes.get("/groups/{group_id}/uploads")
async def group_uploads(group_id: str, deps: ServiceDeps, page: Page = 1, page_size: PageSize = 25) -> dict:
    """The group's uploads, newest first: when, by whom, their counts and whether complete."""
    return await use_cases.group_uploads(deps, group_id, page, page_size)


@routes.get("/uploads/{upload_id}")
async def upload(upload_id: str, deps: ServiceDeps) -> dict:
    """Progress and counts of one upload."""
    return await use_cases.upload_progress(deps, upload_id)


@routes.get("/uploads/{upload_id}/applications")
async def upload_applications(
    upload_id: str,
    deps: ServiceDeps,
    status: Literal[STATUSES] | None = None,
    page: Page = 1,
    page_size: PageSize = 25,
) -> dict:
    """One tab of an upload (ready, error, rejected, ...), a page at a time, by row."""
    return await use_cases.upload_tab(deps, upload_id, status, page, page_size)


@routes.get("/applications/{application_id}")
async def application(application_id: str, deps: ServiceDeps) -> dict:
    """One application's list line (no personal data)."""
    return await use_cases.application(deps, application_id)


@routes.get("/audit")
async def audit(deps: ServiceDeps, group_id: str | None = None, page: Page = 1, page_size: PageSize = 25) -> dict:
    """Who did what and when (uploads, edits, saves, deletions, submissions, attachments), newest first."""
    return await use_cases.audit(deps, group_id, page, page_size)


@routes.get("/renewals")
async def renewals(deps: ServiceDeps, scope: ScopeParam) -> dict:
    """Review Your Renewals: six months from this one, each with its total and first four groups."""
    return await use_cases.renewals(deps, scope)


@routes.get("/renewals/{month}")
async def renewal_month(
    month: str, deps: ServiceDeps, scope: ScopeParam, page: Page = 1, page_size: PageSize = 25
) -> dict:
    """View More: all of one month's renewing groups (YYYY-MM, one of the six), by renewal date then name."""
    return await use_cases.renewal_month(deps, scope, month, page, page_size)


@routes.get("/book")
async def book_of_business(
    deps: ServiceDeps,
    scope: ScopeParam,
    q: Annotated[str | None, Query(max_length=100, description="Group name (prefix of a word) or group ID")] = None,
    region: Literal[book.REGIONS] | None = None,
    renewal_month: Month | None = None,
    status: Literal[book.STATUSES] | None = None,
    size: Literal[book.SIZES] | None = None,
    segment: Literal[book.SEGMENTS] | None = None,
    sort: Literal[book.SORTS] = "name",
    page: Page = 1,
    page_size: PageSize = 25,
) -> dict:
    """The book of business: searched, filtered, sorted and paged, with each filter's counts."""
    query = BookQuery(q, region, renewal_month, status, size, segment, sort)
    return await use_cases.book_of_business(deps, scope, query, page, page_size)


@routes.get("/transactions")
async def transaction_history(
    deps: ServiceDeps,
    scope: ScopeParam,
    type: TransactionType | None = None,
    status: ListedStatus | None = None,
    group_id: Annotated[str | None, Query(max_length=64)] = None,
    created_by: Annotated[str | None, Query(max_length=100)] = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    page: Page = 1,
    page_size: PageSize = 25,
) -> dict:
    """The transaction history, newest first, filtered by column, group and created date, with facets."""
    query = HistoryQuery(type, status, created_by, group_id, date_from, date_to)
    return await use_cases.transaction_history(deps, scope, query, page, page_size)


@routes.get("/recent-transactions")
async def recent_transactions(deps: ServiceDeps, scope: ScopeParam) -> dict:
    """The ten newest transactions, for the home page."""
    return await use_cases.recent_transactions(deps, scope)


@routes.get("/home")
async def home(deps: ServiceDeps, scope: ScopeParam) -> dict:
    """A broker's home in one answer: Review Your Renewals and the ten newest transactions."""
    return await use_cases.home(deps, scope)
