"""Small-business quotes: what each member of a census costs on each plan.

Pure rules, no I/O beyond reading the two data files that ship with the
service (``data/plan_catalog.json``, illustrative rates, and
``data/age_curve.json``, the CMS federal default age curve); the use cases
around it save quotes and render them.

The rules (issue 11, "Quoting"):

- A member's age is their age in full years on the quote's effective date; a
  birthday on the effective date counts (born 2000-03-01, effective
  2021-03-01: 21).
- A member's premium is the plan's monthly base rate (the rate of a
  21-year-old) times the age factor of the federal default standard age
  curve: one factor for ages 0-14, one per year 15-63, one for 64 and over
  (45 CFR 147.102(e); CMS, "State Specific Age Curve Variations", 2018 on).
- In a family (an employee and their dependents) only the three oldest
  children under 21 are charged (45 CFR 147.102(c)(1)); the others are listed
  at 0.00 with the reason. Children 21 and over, employees, spouses and
  domestic partners are always charged, whatever their age.

The rounding rule (``ROUNDING_RULE``): amounts are ``decimal.Decimal``, never
floats. Base rates have two decimals and factors three, so a product is exact;
each member's premium is then rounded to the cent, half a cent up
(``ROUND_HALF_UP``: 331.245 is 331.25). A plan's monthly total is the sum of
its members' rounded premiums, so the breakdown adds up to the total to the
cent.

Public API:

- ``Census``, ``Employee``, ``Dependent``: what is quoted (dates of birth, a
  ZIP, an effective date, a region).
- ``quote(census, plan_ids, *, today) -> Quote``: validates, then prices each
  plan; ``Quote.plans`` holds a ``PlanQuote`` per plan (``monthly_total``
  and ``members``, a ``MemberPremium`` each).
- ``validate(census, *, today) -> None``: the census checks alone (for a
  screen's Save before plans are chosen).
- ``quote_to_dict(quote) -> dict`` (and ``plan_quote_to_dict``,
  ``member_to_dict`` for the parts): the same as plain JSON-ready values,
  amounts as strings ("1234.56").
- ``age_on(born, day) -> int``, ``premium(base_rate, factor) -> Decimal``,
  ``to_cents(amount) -> Decimal``: the arithmetic, for the other screens.
- ``catalog() -> Catalog`` and ``age_curve() -> AgeCurve``: the bundled data;
  ``Catalog.from_dict`` and ``AgeCurve.from_dict`` read the same shape from
  elsewhere (tests).

Refusals are ``shared.errors``: ``BadInput`` (an empty census, no plan
chosen), ``TooLarge`` (more than ``MAX_PEOPLE`` people), ``Invalid`` (an
unknown region or plan, an effective date not on the 1st, a census whose
people break the rules: every problem is listed in ``extra["problems"]``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

from shared.errors import BadInput, Invalid, TooLarge

DATA = Path(__file__).parent / "data"
CENT = Decimal("0.01")
ROUNDING_RULE = (
    "Each member's premium is the base rate times the age factor, rounded to the cent with half a cent "
    "rounded up; a plan's monthly total is the sum of its members' rounded premiums."
)
# 45 CFR 147.102(c)(1): only the three oldest covered children under 21 count.
CHARGED_CHILDREN_UNDER_21 = 3
CHILD_AGE_LIMIT = 21
# Larger than any small group (1-100 employees and their families); keeps one quote bounded.
MAX_PEOPLE = 500
CHILD = "child"
PARTNERS = ("spouse", "domestic_partner")
RELATIONSHIPS = (*PARTNERS, CHILD)
ZIP = re.compile(r"[0-9]{5}(?:-?[0-9]{4})?")  # ASCII digits only (\d takes any script's)
NOT_CHARGED = "Not charged: only the three oldest children under 21 in a family are charged (45 CFR 147.102(c)(1))."


# --- the census -------------------------------------------------------------


@dataclass(frozen=True)
class Dependent:
    """A spouse, domestic partner or child covered with an employee.
    ``label`` is how the breakdown names them (personal data when it is a
    name); without one they are "Employee 2 child 1" and the like."""

    relationship: str
    date_of_birth: date
    label: str | None = None


@dataclass(frozen=True)
class Employee:
    """An employee to quote and the dependents covered with them: a family."""

    date_of_birth: date
    dependents: tuple[Dependent, ...] = ()
    label: str | None = None


@dataclass(frozen=True)
class Census:
    """Who is quoted, where and from when. ``effective_date`` is the first
    day of coverage (the 1st of a month); ages are taken on it."""

    region: str
    zip: str
    effective_date: date
    employees: tuple[Employee, ...]

    def people(self) -> int:
        """Employees and dependents together."""
        return sum(1 + len(e.dependents) for e in self.employees)


# --- the data ---------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A plan of the catalog: its monthly ``base_rate`` is a 21-year-old's."""

    plan_id: str
    name: str
    metal_tier: str
    region: str
    base_rate: Decimal


@dataclass(frozen=True)
class Catalog:
    """The plans each region offers, by plan ID, in the catalog's order."""

    notice: str
    regions: tuple[str, ...]
    plans: Mapping[str, Plan]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Catalog:
        """The catalog of a ``plan_catalog.json`` shape."""
        plans = {
            p["plan_id"]: Plan(p["plan_id"], p["name"], p["metal_tier"], region, Decimal(p["base_rate"]))
            for region, entry in data["regions"].items()
            for p in entry["plans"]
        }
        return cls(notice=data["notice"], regions=tuple(data["regions"]), plans=plans)

    def in_region(self, region: str) -> list[Plan]:
        """The plans a region offers."""
        return [p for p in self.plans.values() if p.region == region]


@dataclass(frozen=True)
class AgeCurve:
    """Age factors by single age, 0 to ``last`` (the last holds for every
    older age: 64 and over on the federal default curve)."""

    factors: Mapping[int, Decimal]
    last: int

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AgeCurve:
        """The curve of an ``age_curve.json`` shape: keys "0-14" (a band),
        "15" (one age), "64+" (that age and older)."""
        factors: dict[int, Decimal] = {}
        last = -1
        for key, value in data["factors"].items():
            ages = _ages_of(key)
            if key.endswith("+"):
                last = ages[0]
            for age in ages:
                factors[age] = Decimal(value)
        if last < 0 or sorted(factors) != list(range(last + 1)):
            raise ValueError("An age curve needs one factor for every age from 0 and a last 'N+' band.")
        return cls(factors=factors, last=last)

    def factor(self, age: int) -> Decimal:
        """The factor of an age in full years."""
        return self.factors[min(age, self.last)]


def _ages_of(key: str) -> list[int]:
    """The ages a key of the curve covers: "0-14", "15" or "64+" (its first)."""
    if "-" in key:
        low, high = key.split("-")
        return list(range(int(low), int(high) + 1))
    return [int(key.rstrip("+"))]


@cache
def catalog() -> Catalog:
    """The bundled catalog (illustrative rates, read once)."""
    return Catalog.from_dict(json.loads((DATA / "plan_catalog.json").read_text()))


@cache
def age_curve() -> AgeCurve:
    """The bundled federal default age curve (read once)."""
    return AgeCurve.from_dict(json.loads((DATA / "age_curve.json").read_text()))


# --- the arithmetic ---------------------------------------------------------


def age_on(born: date, day: date) -> int:
    """Age in full years on ``day``; a birthday on ``day`` counts. Someone
    born on February 29 turns a year older on March 1 in other years."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def to_cents(amount: Decimal) -> Decimal:
    """An amount rounded to the cent, half a cent up (the stated rule)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def premium(base_rate: Decimal, factor: Decimal) -> Decimal:
    """A member's monthly premium: base rate times age factor, to the cent."""
    return to_cents(base_rate * factor)


# --- the quote --------------------------------------------------------------


@dataclass(frozen=True)
class MemberPremium:
    """One line of a plan's breakdown. ``family`` is the employee's number
    (from 1); ``reason`` says why a member is not charged."""

    family: int
    label: str
    relationship: str
    age: int
    factor: Decimal
    premium: Decimal
    charged: bool
    reason: str | None = None


@dataclass(frozen=True)
class PlanQuote:
    """A plan's monthly total and the breakdown it is the sum of."""

    plan_id: str
    name: str
    metal_tier: str
    base_rate: Decimal
    monthly_total: Decimal
    members: tuple[MemberPremium, ...]


@dataclass(frozen=True)
class Quote:
    """A census priced on each chosen plan, in the order chosen."""

    region: str
    zip: str
    effective_date: date
    plans: tuple[PlanQuote, ...]
    notice: str
    rounding: str = field(default=ROUNDING_RULE)


@dataclass(frozen=True)
class _Member:
    """A person of the census as the pricing sees them."""

    family: int
    label: str
    relationship: str
    age: int
    charged: bool


def quote(
    census: Census,
    plan_ids: Sequence[str],
    *,
    today: date,
    plan_catalog: Catalog | None = None,
    curve: AgeCurve | None = None,
) -> Quote:
    """Price ``census`` on each plan of ``plan_ids`` (duplicates once).
    ``today`` is the day of the request: a date of birth after it is refused
    (the caller passes its clock's day, so this stays pure). ``plan_catalog``
    and ``curve`` default to the bundled data."""
    plans = plan_catalog or catalog()
    curve = curve or age_curve()
    chosen = _chosen_plans(census, plan_ids, plans)
    validate(census, today=today)
    members = _members(census)
    return Quote(
        region=census.region,
        zip=census.zip,
        effective_date=census.effective_date,
        plans=tuple(_price(plan, members, curve) for plan in chosen),
        notice=plans.notice,
    )


def _price(plan: Plan, members: Iterable[_Member], curve: AgeCurve) -> PlanQuote:
    """One plan's breakdown and total (the sum of the rounded premiums)."""
    lines = tuple(_line(plan, m, curve) for m in members)
    return PlanQuote(
        plan_id=plan.plan_id,
        name=plan.name,
        metal_tier=plan.metal_tier,
        base_rate=plan.base_rate,
        monthly_total=sum((line.premium for line in lines), Decimal("0.00")),
        members=lines,
    )


def _line(plan: Plan, member: _Member, curve: AgeCurve) -> MemberPremium:
    factor = curve.factor(member.age)
    return MemberPremium(
        family=member.family,
        label=member.label,
        relationship=member.relationship,
        age=member.age,
        factor=factor,
        premium=premium(plan.base_rate, factor) if member.charged else Decimal("0.00"),
        charged=member.charged,
        reason=None if member.charged else NOT_CHARGED,
    )


def _members(census: Census) -> list[_Member]:
    """Everyone in the census, family by family, each with their age on the
    effective date and whether they are charged."""
    day = census.effective_date
    members: list[_Member] = []
    for number, employee in enumerate(census.employees, start=1):
        label = employee.label or f"Employee {number}"
        members.append(_Member(number, label, "employee", age_on(employee.date_of_birth, day), True))
        free = _free_children(employee.dependents, day)
        children = 0
        for index, dependent in enumerate(employee.dependents):
            children += dependent.relationship == CHILD
            own = dependent.label or _dependent_label(label, dependent.relationship, children)
            age = age_on(dependent.date_of_birth, day)
            members.append(_Member(number, own, dependent.relationship, age, index not in free))
    return members


def _dependent_label(employee: str, relationship: str, child_number: int) -> str:
    if relationship == CHILD:
        return f"{employee} child {child_number}"
    return f"{employee} {relationship.replace('_', ' ')}"


def _free_children(dependents: Sequence[Dependent], day: date) -> set[int]:
    """Positions of the children under 21 beyond the three oldest. The oldest
    is the earliest born; twins keep the census's order."""
    young = [
        (d.date_of_birth, index)
        for index, d in enumerate(dependents)
        if d.relationship == CHILD and age_on(d.date_of_birth, day) < CHILD_AGE_LIMIT
    ]
    return {index for _, index in sorted(young)[CHARGED_CHILDREN_UNDER_21:]}


# --- validation -------------------------------------------------------------


def _chosen_plans(census: Census, plan_ids: Sequence[str], plans: Catalog) -> list[Plan]:
    """The plans to price, each once, in the order chosen; refused when the
    region is unknown, none is chosen, or one is not offered in the region."""
    if census.region not in plans.regions:
        raise Invalid(
            "unknown_region",
            f"{census.region!r} is not a region quoted here; choose one of {', '.join(plans.regions)}.",
        )
    ids = list(dict.fromkeys(plan_ids))
    if not ids:
        raise BadInput("no_plan_chosen", "No plan was chosen; choose at least one plan to quote.")
    offered = [p.plan_id for p in plans.in_region(census.region)]
    unknown = [i for i in ids if i not in plans.plans]
    if unknown:
        raise Invalid(
            "unknown_plan",
            f"No plan has the ID {', '.join(map(repr, unknown))}; choose from {', '.join(offered)}.",
            {"plan_ids": unknown},
        )
    elsewhere = [i for i in ids if i not in offered]
    if elsewhere:
        raise Invalid(
            "plan_not_in_region",
            f"{', '.join(elsewhere)} {'is' if len(elsewhere) == 1 else 'are'} not offered in {census.region}; "
            f"choose from {', '.join(offered)}.",
            {"plan_ids": elsewhere},
        )
    return [plans.plans[i] for i in ids]


def validate(census: Census, *, today: date) -> None:
    """Refuse a census that cannot be quoted, naming every problem and its
    fix: no employees, too many people, an effective date not on the 1st, a
    ZIP that is not one, a date of birth after today or after the effective
    date, an unknown relationship, more than one spouse or partner."""
    if not census.employees:
        raise BadInput("census_empty", "The census has no employees; add at least one employee to quote.")
    if census.people() > MAX_PEOPLE:
        raise TooLarge(
            "census_too_large",
            f"The census has {census.people()} people; a quote takes at most {MAX_PEOPLE}. "
            "Split the group or ask your KP representative for a quote.",
            {"people": census.people(), "limit": MAX_PEOPLE},
        )
    problems = _census_problems(census) + _people_problems(census, today)
    if problems:
        said = " ".join(f"{p['member'] + ': ' if p['member'] else ''}{p['detail']}" for p in problems)
        raise Invalid(
            "census_invalid",
            f"The census has {len(problems)} problem{'s' if len(problems) > 1 else ''}: {said}",
            {"problems": problems},
        )


def _problem(member: str | None, code: str, detail: str) -> dict[str, str | None]:
    return {"member": member, "code": code, "detail": detail}


def _census_problems(census: Census) -> list[dict[str, str | None]]:
    found = []
    if census.effective_date.day != 1:
        found.append(
            _problem(
                None,
                "effective_not_first",
                f"The effective date {census.effective_date.isoformat()} is not the first of a month; "
                "coverage starts on the 1st, enter the 1st.",
            )
        )
    if not ZIP.fullmatch(census.zip or ""):
        found.append(
            _problem(None, "zip_format", f"The ZIP {census.zip!r} is not a ZIP code; enter 5 digits (or ZIP+4).")
        )
    return found


def _people_problems(census: Census, today: date) -> list[dict[str, str | None]]:
    found = []
    for number, employee in enumerate(census.employees, start=1):
        label = employee.label or f"Employee {number}"
        found += _birth_problems(label, employee.date_of_birth, census.effective_date, today)
        partners = 0
        children = 0
        for dependent in employee.dependents:
            children += dependent.relationship == CHILD
            own = dependent.label or _dependent_label(label, dependent.relationship, children)
            if dependent.relationship not in RELATIONSHIPS:
                found.append(
                    _problem(
                        own,
                        "relationship_unknown",
                        f"the relationship {dependent.relationship!r} is not one quoted; "
                        "enter spouse, domestic_partner or child.",
                    )
                )
            partners += dependent.relationship in PARTNERS
            found += _birth_problems(own, dependent.date_of_birth, census.effective_date, today)
        if partners > 1:
            found.append(
                _problem(
                    label,
                    "partners_more_than_one",
                    f"{partners} spouses or domestic partners are listed; an employee covers at most one, "
                    "remove the others.",
                )
            )
    return found


def _birth_problems(label: str, born: date, effective: date, today: date) -> list[dict[str, str | None]]:
    if born > today:
        return [
            _problem(
                label,
                "dob_future",
                f"the date of birth {born.isoformat()} is in the future; correct it.",
            )
        ]
    if born > effective:
        return [
            _problem(
                label,
                "dob_after_effective",
                f"the date of birth {born.isoformat()} is after the effective date {effective.isoformat()}; "
                "quote from a date on or after the birth, or leave the member out.",
            )
        ]
    return []


# --- plain values -----------------------------------------------------------


def quote_to_dict(result: Quote) -> dict[str, Any]:
    """A quote as JSON-ready values: dates as ISO strings, amounts as
    strings with two decimals ("1234.56"), factors with three ("0.765")."""
    return {
        "region": result.region,
        "zip": result.zip,
        "effective_date": result.effective_date.isoformat(),
        "notice": result.notice,
        "rounding": result.rounding,
        "plans": [plan_quote_to_dict(p) for p in result.plans],
    }


def plan_quote_to_dict(plan: PlanQuote) -> dict[str, Any]:
    """One plan's quote as JSON-ready values."""
    return {
        "plan_id": plan.plan_id,
        "name": plan.name,
        "metal_tier": plan.metal_tier,
        "base_rate": _money(plan.base_rate),
        "monthly_total": _money(plan.monthly_total),
        "members": [member_to_dict(m) for m in plan.members],
    }


def member_to_dict(member: MemberPremium) -> dict[str, Any]:
    """One line of a breakdown as JSON-ready values."""
    return {
        "family": member.family,
        "label": member.label,
        "relationship": member.relationship,
        "age": member.age,
        "factor": str(member.factor),
        "premium": _money(member.premium),
        "charged": member.charged,
        "reason": member.reason,
    }


def _money(amount: Decimal) -> str:
    return f"{to_cents(amount):.2f}"
