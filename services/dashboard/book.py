"""Pure pieces of the broker's book of business and renewals: whose groups a
caller sees (the scope), each group's line, status and size, the filters,
sorts and facets, and the renewal months.

The book is read from a summary document per broker (``book_summaries``:
every group of the book as a small entry, kept by the projections), fetched
by id (and kept between requests until its version moves): one read answers
any filter, sort, page and the facets, where a query
over the groups sorted and counted by the database costs a scan of the
broker's groups on SecantusDB (see ../shared/DESIGN.md). A group's status
depends on today's date, so it is computed when read, never stored: it is
current on the day it is asked, with nothing to refresh at midnight."""

from __future__ import annotations

import re
from calendar import month_name
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.errors import BadInput

NEW_DAYS = 90  # acquired fewer than 90 days ago (days 0..89): "New", not in Review Your Renewals
RENEWAL_DUE_DAYS = 60  # renewal within the next 60 days (today .. today + 60): "Renewal due"
SMALL_BUSINESS_LIMIT = 100  # the Small Business tab: fewer than 100 eligible employees
RENEWAL_MONTHS = 6
RENEWALS_SHOWN = 4  # groups per month on the home page; View More lists them all

REGIONS = ("CA", "HI", "CO", "GA", "MAS", "NW", "WA")
STATUSES = ("New", "Renewal due", "Active")
SIZES = ("1-9", "10-49", "50-99", "100+")
SEGMENTS = ("small_business",)
SORTS = ("name", "-name", "group_id", "renewal_date", "-renewal_date", "enrolled_count", "-enrolled_count")
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
# The summary entry: what the book and the renewals need of a group, no more.
ENTRY_FIELDS = ("name", "region", "renewal_date", "acquired_on", "enrolled_count", "size")


@dataclass(frozen=True)
class Scope:
    """Whose groups and transactions a caller sees, as the gateway names it:
    ``broker:<id>`` (their book), ``group:<id>`` (an administrator's group),
    ``all`` (a KP reviewer)."""

    kind: str
    id: str = ""

    @property
    def key(self) -> str:
        return "all" if self.kind == "all" else f"{self.kind}:{self.id}"


SCOPE = re.compile(r"all|(broker|group):([A-Za-z0-9_.@-]{1,64})")


def scope_of(text: str) -> Scope:
    found = SCOPE.fullmatch(text)
    if not found:
        raise BadInput("bad_scope", "The scope must be all, broker:<user id> or group:<group id>.")
    return Scope("all") if text == "all" else Scope(found.group(1), found.group(2))


def summary_entry(doc: dict[str, Any]) -> dict[str, Any]:
    """A group's entry in its broker's summary, from its book-of-business document."""
    return {k: doc.get(k) for k in ENTRY_FIELDS} | {"enrolled_count": doc.get("enrolled_count", 0)}


def days_since(day: str | None, today: date) -> int | None:
    return (today - date.fromisoformat(day)).days if day else None


def is_new(entry: dict[str, Any], today: date) -> bool:
    """Acquired within the past 90 days: on day 0 to 89 after its acquisition (day 90 no longer)."""
    age = days_since(entry.get("acquired_on"), today)
    return age is not None and 0 <= age < NEW_DAYS


def status_of(entry: dict[str, Any], today: date) -> str:
    """New (acquired within 90 days) before Renewal due (renewal today or within 60 days) before Active."""
    if is_new(entry, today):
        return "New"
    renewal = entry.get("renewal_date")
    if renewal and 0 <= (date.fromisoformat(renewal) - today).days <= RENEWAL_DUE_DAYS:
        return "Renewal due"
    return "Active"


def eligible(entry: dict[str, Any]) -> int:
    """Eligible employees as the group's record says; its enrolled count where the record has none."""
    size = entry.get("size")
    return int(size) if size is not None else int(entry.get("enrolled_count") or 0)


def size_bucket(entry: dict[str, Any]) -> str:
    n = eligible(entry)
    return "1-9" if n < 10 else "10-49" if n < 50 else "50-99" if n < 100 else "100+"


def book_line(group_id: str, entry: dict[str, Any], today: date) -> dict[str, Any]:
    """One line of the book of business (and of the renewals)."""
    return {
        "group_id": group_id,
        "name": entry.get("name"),
        "region": entry.get("region"),
        "renewal_date": entry.get("renewal_date"),
        "enrolled_count": int(entry.get("enrolled_count") or 0),
        "status": status_of(entry, today),
        "size": size_bucket(entry),
        "broker_id": entry.get("broker_id"),
    }


@dataclass(frozen=True)
class BookQuery:
    """The book's search box, tab, drop-down filters and sort, as asked."""

    q: str | None = None
    region: str | None = None
    renewal_month: str | None = None
    status: str | None = None
    size: str | None = None
    segment: str | None = None
    sort: str = "name"

    def __post_init__(self) -> None:
        if self.renewal_month is not None and not MONTH.fullmatch(self.renewal_month):
            raise BadInput("bad_renewal_month", "Give the renewal month as YYYY-MM, for example 2027-01.")


def _sort_key(sort: str):
    field = sort.lstrip("-")
    if field == "name":
        return lambda line: ((line["name"] or "").casefold(), line["group_id"])
    if field == "group_id":
        return lambda line: (line["group_id"],)
    if field == "renewal_date":
        return lambda line: (line["renewal_date"] or "9999-12-31", (line["name"] or "").casefold(), line["group_id"])
    return lambda line: (line["enrolled_count"], (line["name"] or "").casefold(), line["group_id"])


def sort_lines(lines: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """Sorted on the column, ties by name then group ID: one order, so pages never overlap nor skip."""
    return sorted(lines, key=_sort_key(sort), reverse=sort.startswith("-"))


@dataclass(frozen=True)
class Row:
    """A line of the book with what its filters, search and sorts compare, worked out once."""

    line: dict[str, Any]
    eligible: int
    name: str  # casefolded, single spaces
    facets: tuple[str | None, str, str, str]  # region, status, size, renewal month


@dataclass(frozen=True)
class Book:
    """A scope's groups as they stand on one day: every line (by name) and the renewing ones by
    month. Built once per version of the scope's summary and day, then shared by the requests."""

    rows: list[Row]
    renewing: dict[str, list[dict[str, Any]]]


def book_of(entries: dict[str, dict[str, Any]], today: date) -> Book:
    rows = []
    for group_id, entry in entries.items():
        line = book_line(group_id, entry, today)
        month = (line["renewal_date"] or "")[:7]
        facets = (line["region"], line["status"], line["size"], month)
        rows.append(Row(line, eligible(entry), " ".join((line["name"] or "").casefold().split()), facets))
    rows.sort(key=lambda r: _sort_key("name")(r.line))
    return Book(rows, _renewing(entries, today))


FACET_NAMES = ("region", "status", "size", "renewal_month")


def _found_by(text: str, row: Row) -> bool:
    """The search box: a group ID's beginning, or a word's beginning in the name."""
    return row.line["group_id"].casefold().startswith(text) or row.name.startswith(text) or f" {text}" in f" {row.name}"


def book_page(found_book: Book, query: BookQuery, page: int, page_size: int) -> dict[str, Any]:
    """A page of the book as asked, its total, and the facets: for each drop-down,
    how many groups each value finds with the search, the tab and the other
    filters applied (so a count is what choosing that value would list)."""
    wanted = (query.region, query.status, query.size, query.renewal_month)
    checks = [(i, value) for i, value in enumerate(wanted) if value is not None]
    counts: list[dict[str, int]] = [{}, {}, {}, {}]
    found = []
    text = " ".join((query.q or "").casefold().split())
    for row in found_book.rows:
        if query.segment == "small_business" and row.eligible >= SMALL_BUSINESS_LIMIT:
            continue
        if text and not _found_by(text, row):
            continue
        misses = [i for i, value in checks if row.facets[i] != value]
        if len(misses) > 1:
            continue
        for i in range(4) if not misses else misses:
            value = row.facets[i]
            if value:
                counts[i][value] = counts[i].get(value, 0) + 1
        if not misses:
            found.append(row.line)
    ordered = found if query.sort == "name" else sort_lines(found, query.sort)
    start = (page - 1) * page_size
    return {
        "items": ordered[start : start + page_size],
        "total": len(ordered),
        "page": page,
        "page_size": page_size,
        "facets": {name: dict(sorted(counts[i].items())) for i, name in enumerate(FACET_NAMES)},
    }


def renewal_months(today: date) -> list[str]:
    """The current calendar month and the five after it, as YYYY-MM (across a year end)."""
    months = []
    year, month = today.year, today.month
    for _ in range(RENEWAL_MONTHS):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_label(month: str) -> str:
    year, number = month.split("-")
    return f"{month_name[int(number)]} {year}"


def _renewing(entries: dict[str, dict[str, Any]], today: date) -> dict[str, list[dict[str, Any]]]:
    """The groups renewing in each of the six months, by renewal date then name;
    groups acquired within the past 90 days are left out (they are in the book)."""
    months: dict[str, list[dict[str, Any]]] = {m: [] for m in renewal_months(today)}
    for group_id, entry in entries.items():
        month = (entry.get("renewal_date") or "")[:7]
        if month in months and not is_new(entry, today):
            months[month].append(book_line(group_id, entry, today))
    return {m: sort_lines(lines, "renewal_date") for m, lines in months.items()}


def renewal_line(line: dict[str, Any]) -> dict[str, Any]:
    return {k: line[k] for k in ("group_id", "name", "region", "renewal_date", "enrolled_count")}


def renewals(found_book: Book) -> dict[str, Any]:
    """Review Your Renewals: six months from this one, each with its total and first four groups."""
    return {
        "months": [
            {
                "month": month,
                "label": month_label(month),
                "total": len(lines),
                "groups": [renewal_line(line) for line in lines[:RENEWALS_SHOWN]],
            }
            for month, lines in found_book.renewing.items()
        ]
    }


def renewal_month(found_book: Book, month: str, today: date, page: int, page_size: int) -> dict[str, Any]:
    """View More: all of one month's renewing groups, a page at a time."""
    if not MONTH.fullmatch(month) or month not in renewal_months(today):
        first, last = renewal_months(today)[0], renewal_months(today)[-1]
        raise BadInput(
            "month_not_listed", f"Renewals are listed for {first} to {last}: ask for one of those months (YYYY-MM)."
        )
    lines = found_book.renewing[month]
    start = (page - 1) * page_size
    return {
        "month": month,
        "label": month_label(month),
        "items": [renewal_line(line) for line in lines[start : start + page_size]],
        "total": len(lines),
        "page": page,
        "page_size": page_size,
    }
