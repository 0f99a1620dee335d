"""The quoting rules as plain functions: ages on the effective date, the CMS
age curve, the three-oldest-children rule, the rounding rule, validation, and
a small census priced by hand and compared to the cent."""

from __future__ import annotations

import json
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from services.transactions.quoting import (
    DATA,
    NOT_CHARGED,
    AgeCurve,
    Catalog,
    Census,
    Dependent,
    Employee,
    age_curve,
    age_on,
    catalog,
    premium,
    quote,
    quote_to_dict,
    to_cents,
)
from shared.errors import BadInput, Invalid, TooLarge

EFFECTIVE = date(2026, 3, 1)
TODAY = date(2026, 1, 15)
REGIONS = ("CA", "HI", "CO", "GA", "MAS", "NW", "WA")


def child(born: date, label: str | None = None) -> Dependent:
    return Dependent("child", born, label)


def census(*employees: Employee, region: str = "CA", zip_code: str = "94612", effective: date = EFFECTIVE) -> Census:
    return Census(region=region, zip=zip_code, effective_date=effective, employees=tuple(employees))


def one_member(born: date, effective: date = EFFECTIVE) -> Census:
    return census(Employee(born), effective=effective)


def refusal(error: type[Exception], make_census: Census, plan_ids=("CA-GLD-80",), today: date = TODAY):
    with pytest.raises(error) as refused:
        quote(make_census, list(plan_ids), today=today)
    return refused.value


# --- the age curve ------------------------------------------------------------


def test_the_age_curve_holds_the_cms_default_values():
    # CMS "State Specific Age Curve Variations" (2018 on), Default column.
    curve = age_curve()
    assert [curve.factor(age) for age in (0, 7, 14)] == [Decimal("0.765")] * 3
    assert curve.factor(15) == Decimal("0.833")
    assert curve.factor(20) == Decimal("0.970")
    assert curve.factor(21) == Decimal("1.000")
    assert curve.factor(24) == Decimal("1.000")
    assert curve.factor(25) == Decimal("1.004")
    assert curve.factor(40) == Decimal("1.278")
    assert curve.factor(50) == Decimal("1.786")
    assert curve.factor(63) == Decimal("2.952")
    assert curve.factor(64) == Decimal("3.000")
    assert curve.factor(70) == Decimal("3.000")
    assert curve.factor(99) == Decimal("3.000")


def test_the_age_curve_file_has_every_age_from_0_to_64_once_and_cites_cms():
    data = json.loads((DATA / "age_curve.json").read_text())
    covered: list[int] = []
    for key in data["factors"]:
        if "-" in key:
            low, high = map(int, key.split("-"))
            covered += range(low, high + 1)
        else:
            covered.append(int(key.rstrip("+")))
    assert sorted(covered) == list(range(65))
    assert len(covered) == len(set(covered))
    assert list(data["factors"])[0] == "0-14" and list(data["factors"])[-1] == "64+"
    # Factors are exact strings with three decimals, rising with age, 3:1 for adults.
    values = [Decimal(v) for v in data["factors"].values()]
    assert all(v.as_tuple().exponent == -3 for v in values)
    assert values == sorted(values)
    assert Decimal(data["factors"]["64+"]) / Decimal(data["factors"]["21"]) == 3
    assert "cms.gov" in data["source"]["url"].lower()
    assert "Age Curve" in data["source"]["title"]


def test_a_curve_without_every_age_is_refused():
    with pytest.raises(ValueError):
        AgeCurve.from_dict({"factors": {"0-14": "0.765", "16": "0.859", "17+": "3.000"}})


# --- the catalog --------------------------------------------------------------


def test_the_catalog_is_labelled_illustrative_and_covers_the_seven_regions():
    data = json.loads((DATA / "plan_catalog.json").read_text())
    assert data["notice"] == "Illustrative rates for this demo product, not KP's filed rates"
    plans = catalog()
    assert plans.regions == REGIONS
    for region in REGIONS:
        offered = plans.in_region(region)
        assert 3 <= len(offered) <= 5, region
        assert all(p.plan_id.startswith(f"{region}-") for p in offered)
        assert all(p.metal_tier in ("Bronze", "Silver", "Gold", "Platinum") for p in offered)
        assert all(p.name.startswith(f"KP {region} {p.metal_tier} ") for p in offered)
    rates = [p["base_rate"] for r in data["regions"].values() for p in r["plans"]]
    assert all(isinstance(r, str) and len(r.split(".")[1]) == 2 for r in rates)
    ids = [p["plan_id"] for r in data["regions"].values() for p in r["plans"]]
    assert len(ids) == len(set(ids))
    assert plans.plans["CA-GLD-80"].base_rate == Decimal("512.40")
    assert plans.plans["CA-GLD-80"].name == "KP CA Gold 80 HMO"


# --- ages ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "age"),
    [
        (date(1990, 2, 28), 36),  # birthday the day before the effective date: already 36
        (date(1990, 3, 1), 36),  # birthday on the effective date counts
        (date(1990, 3, 2), 35),  # birthday the day after: still 35
        (date(2008, 2, 29), 18),  # born on Feb 29: a year older on Mar 1 of 2026
        (date(2026, 3, 1), 0),  # born on the effective date
    ],
)
def test_age_is_in_full_years_on_the_effective_date(born, age):
    assert age_on(born, EFFECTIVE) == age


@pytest.mark.parametrize(
    ("born", "age", "factor", "amount"),
    [
        # 14 on the effective date (turns 15 the day after): 512.40 x 0.765 = 391.986 -> 391.99
        (date(2011, 3, 2), 14, "0.765", "391.99"),
        # 15 on the effective date (birthday on it): 512.40 x 0.833 = 426.8292 -> 426.83
        (date(2011, 3, 1), 15, "0.833", "426.83"),
        # 63: 512.40 x 2.952 = 1512.6048 -> 1512.60
        (date(1962, 3, 2), 63, "2.952", "1512.60"),
        # 64: 512.40 x 3.000 = 1537.20
        (date(1962, 3, 1), 64, "3.000", "1537.20"),
        # 70: 64 and over is one band, 3.000: 1537.20
        (date(1956, 3, 1), 70, "3.000", "1537.20"),
    ],
)
def test_age_boundaries_pick_the_right_factor(born, age, factor, amount):
    line = quote(one_member(born), ["CA-GLD-80"], today=TODAY).plans[0].members[0]
    assert (line.age, line.factor, line.premium) == (age, Decimal(factor), Decimal(amount))


# --- rounding -----------------------------------------------------------------


def test_half_a_cent_rounds_up():
    assert to_cents(Decimal("10.005")) == Decimal("10.01")
    assert to_cents(Decimal("2.675")) == Decimal("2.68")
    assert to_cents(Decimal("10.0049")) == Decimal("10.00")
    assert to_cents(Decimal("10.0051")) == Decimal("10.01")
    # 433.00 x 0.765 = 331.24500 exactly: half up gives 331.25 where banker's rounding gives 331.24.
    assert Decimal("331.245").quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN) == Decimal("331.24")
    assert premium(Decimal("433.00"), Decimal("0.765")) == Decimal("331.25")


def test_a_child_on_the_silver_plan_is_an_exact_half_cent_rounded_up_and_summed_rounded():
    # CA-SLV-70 is 433.00. Employee 40: 433.00 x 1.278 = 553.374 -> 553.37.
    # Child 10: 433.00 x 0.765 = 331.245 -> 331.25 (half up).
    # Total = 553.37 + 331.25 = 884.62 (the unrounded sum 884.619 would round to 884.62 too,
    # but the rule is the sum of the rounded lines).
    result = quote(
        census(Employee(date(1985, 7, 1), (child(date(2015, 6, 1)),))),
        ["CA-SLV-70"],
        today=TODAY,
    )
    plan = result.plans[0]
    assert [m.premium for m in plan.members] == [Decimal("553.37"), Decimal("331.25")]
    assert plan.monthly_total == Decimal("884.62")


def test_the_total_is_the_sum_of_rounded_lines_not_the_rounded_sum():
    # Two employees aged 29 on CA-GLD-80: 512.40 x 1.119 = 573.3756 -> 573.38 each.
    # Sum of rounded lines: 1146.76; rounding the exact sum (1146.7512) would give 1146.75.
    two = census(Employee(date(1996, 6, 1)), Employee(date(1996, 6, 1)))
    plan = quote(two, ["CA-GLD-80"], today=TODAY).plans[0]
    assert [m.premium for m in plan.members] == [Decimal("573.38")] * 2
    assert plan.monthly_total == Decimal("1146.76")


# --- a census priced by hand --------------------------------------------------

# Effective 2026-03-01, region CA, plan CA-GLD-80 (KP CA Gold 80 HMO), base rate 512.40.
FAMILY_OF_FOUR_CHILDREN_ONE_OVER_20 = Employee(
    date(1980, 6, 15),  # 45 (birthday in June): 512.40 x 1.444 = 739.9056 -> 739.91
    (
        Dependent("spouse", date(1982, 3, 1)),  # 44 (birthday on the effective date): x 1.397 = 715.8228 -> 715.82
        child(date(2004, 2, 10)),  # 22: an adult-age child, always charged: x 1.000 = 512.40
        child(date(2007, 3, 2)),  # 18 (19 the day after): x 0.913 = 467.8212 -> 467.82
        child(date(2009, 9, 30)),  # 16: x 0.859 = 440.1516 -> 440.15
        child(date(2015, 12, 1)),  # 10: x 0.765 = 391.986 -> 391.99
    ),
)
# Three children under 21 -- all three are the three oldest under 21, so all are charged.
# Family 1 = 739.91 + 715.82 + 512.40 + 467.82 + 440.15 + 391.99 = 3268.09

FAMILY_OF_FOUR_CHILDREN_ALL_UNDER_21 = Employee(
    date(1962, 2, 28),  # 64: x 3.000 = 1537.20
    (
        Dependent("domestic_partner", date(1990, 7, 4)),  # 35: x 1.222 = 626.1528 -> 626.15
        child(date(2013, 1, 20)),  # 13: x 0.765 = 391.986 -> 391.99 (third oldest: charged)
        child(date(2019, 8, 8)),  # 6: the youngest of four under 21 -> 0.00, not charged
        child(date(2008, 2, 29)),  # 18 (Feb 29 birthday passed by Mar 1): x 0.913 = 467.8212 -> 467.82
        child(date(2011, 5, 5)),  # 14: x 0.765 = 391.986 -> 391.99
    ),
)
# Family 2 = 1537.20 + 626.15 + 391.99 + 0.00 + 467.82 + 391.99 = 3415.15

SINGLE_SEVENTY_ONE = Employee(date(1955, 1, 1))  # 71: 64 and over, x 3.000 = 1537.20
# Census total = 3268.09 + 3415.15 + 1537.20 = 8220.44


def hand_census() -> Census:
    return census(FAMILY_OF_FOUR_CHILDREN_ONE_OVER_20, FAMILY_OF_FOUR_CHILDREN_ALL_UNDER_21, SINGLE_SEVENTY_ONE)


def test_a_small_census_priced_by_hand_to_the_cent():
    plan = quote(hand_census(), ["CA-GLD-80"], today=TODAY).plans[0]
    assert (plan.plan_id, plan.name, plan.metal_tier, plan.base_rate) == (
        "CA-GLD-80",
        "KP CA Gold 80 HMO",
        "Gold",
        Decimal("512.40"),
    )
    lines = [(m.family, m.label, m.relationship, m.age, str(m.factor), str(m.premium), m.charged) for m in plan.members]
    assert lines == [
        (1, "Employee 1", "employee", 45, "1.444", "739.91", True),
        (1, "Employee 1 spouse", "spouse", 44, "1.397", "715.82", True),
        (1, "Employee 1 child 1", "child", 22, "1.000", "512.40", True),
        (1, "Employee 1 child 2", "child", 18, "0.913", "467.82", True),
        (1, "Employee 1 child 3", "child", 16, "0.859", "440.15", True),
        (1, "Employee 1 child 4", "child", 10, "0.765", "391.99", True),
        (2, "Employee 2", "employee", 64, "3.000", "1537.20", True),
        (2, "Employee 2 domestic partner", "domestic_partner", 35, "1.222", "626.15", True),
        (2, "Employee 2 child 1", "child", 13, "0.765", "391.99", True),
        (2, "Employee 2 child 2", "child", 6, "0.765", "0.00", False),
        (2, "Employee 2 child 3", "child", 18, "0.913", "467.82", True),
        (2, "Employee 2 child 4", "child", 14, "0.765", "391.99", True),
        (3, "Employee 3", "employee", 71, "3.000", "1537.20", True),
    ]
    assert plan.monthly_total == Decimal("8220.44")
    assert sum(m.premium for m in plan.members if m.family == 1) == Decimal("3268.09")
    assert sum(m.premium for m in plan.members if m.family == 2) == Decimal("3415.15")
    free = [m for m in plan.members if not m.charged]
    assert [m.reason for m in free] == [NOT_CHARGED]
    assert all(m.reason is None for m in plan.members if m.charged)


def test_each_chosen_plan_is_priced_in_the_order_chosen_once():
    # Employee 3 alone (71, factor 3.000): Platinum 589.65 x 3 = 1768.95; Bronze 368.20 x 3 = 1104.60.
    result = quote(census(SINGLE_SEVENTY_ONE), ["CA-PLT-90", "CA-BRZ-60", "CA-PLT-90"], today=TODAY)
    assert [(p.plan_id, p.monthly_total) for p in result.plans] == [
        ("CA-PLT-90", Decimal("1768.95")),
        ("CA-BRZ-60", Decimal("1104.60")),
    ]


def test_children_21_and_over_do_not_take_a_place_among_the_three():
    # Five children: 25, 23 (adults, charged) and 20, 12, 8 (the three under 21, charged); nobody free.
    family = Employee(
        date(1970, 1, 1),
        tuple(child(date(y, 1, 1)) for y in (2001, 2003, 2006, 2014, 2018)),
    )
    plan = quote(census(family), ["CA-GLD-80"], today=TODAY).plans[0]
    assert all(m.charged for m in plan.members)
    # A sixth child under 21 (aged 2) would be the fourth under 21 and the only one free.
    bigger = Employee(family.date_of_birth, (*family.dependents, child(date(2024, 1, 1))))
    plan = quote(census(bigger), ["CA-GLD-80"], today=TODAY).plans[0]
    assert [(m.age, m.premium) for m in plan.members if not m.charged] == [(2, Decimal("0.00"))]


def test_twins_keep_the_census_order():
    # Four children born the same day: the first three listed are charged, the fourth free.
    twins = Employee(date(1985, 1, 1), tuple(child(date(2016, 4, 4), f"Kid {n}") for n in range(1, 5)))
    plan = quote(census(twins), ["CA-GLD-80"], today=TODAY).plans[0]
    assert [(m.label, m.charged) for m in plan.members[1:]] == [
        ("Kid 1", True),
        ("Kid 2", True),
        ("Kid 3", True),
        ("Kid 4", False),
    ]


def test_the_rule_applies_per_family_not_per_census():
    # Two employees with two children each (all under 21): four children in the census, none free.
    families = [Employee(date(1980, 1, 1), (child(date(2012, 1, 1)), child(date(2014, 1, 1)))) for _ in range(2)]
    plan = quote(census(*families), ["CA-GLD-80"], today=TODAY).plans[0]
    assert all(m.charged for m in plan.members)


# --- plain values -------------------------------------------------------------


def test_the_quote_as_plain_values():
    plain = quote_to_dict(quote(hand_census(), ["CA-GLD-80", "CA-SLV-70"], today=TODAY))
    assert json.loads(json.dumps(plain)) == plain
    assert plain["region"] == "CA" and plain["zip"] == "94612" and plain["effective_date"] == "2026-03-01"
    assert plain["notice"] == "Illustrative rates for this demo product, not KP's filed rates"
    assert "half a cent rounded up" in plain["rounding"]
    gold = plain["plans"][0]
    assert gold["base_rate"] == "512.40"
    assert gold["monthly_total"] == "8220.44"
    assert gold["members"][0] == {
        "family": 1,
        "label": "Employee 1",
        "relationship": "employee",
        "age": 45,
        "factor": "1.444",
        "premium": "739.91",
        "charged": True,
        "reason": None,
    }
    assert gold["members"][9]["premium"] == "0.00" and gold["members"][9]["reason"] == NOT_CHARGED
    for plan in plain["plans"]:
        assert sum(Decimal(m["premium"]) for m in plan["members"]) == Decimal(plan["monthly_total"])


# --- validation ---------------------------------------------------------------


def test_an_empty_census_is_refused():
    refused = refusal(BadInput, census())
    assert refused.code == "census_empty"
    assert refused.detail == "The census has no employees; add at least one employee to quote."


def test_no_plan_chosen_is_refused():
    refused = refusal(BadInput, census(SINGLE_SEVENTY_ONE), plan_ids=())
    assert refused.code == "no_plan_chosen"


def test_an_unknown_region_is_refused_naming_the_regions():
    refused = refusal(Invalid, census(SINGLE_SEVENTY_ONE, region="TX"))
    assert refused.code == "unknown_region"
    assert refused.detail == "'TX' is not a region quoted here; choose one of CA, HI, CO, GA, MAS, NW, WA."


def test_an_unknown_plan_is_refused_naming_the_region_s_plans():
    refused = refusal(Invalid, census(SINGLE_SEVENTY_ONE), plan_ids=("CA-GLD-80", "CA-DIAMOND-99"))
    assert refused.code == "unknown_plan"
    assert refused.extra == {"plan_ids": ["CA-DIAMOND-99"]}
    assert refused.detail == (
        "No plan has the ID 'CA-DIAMOND-99'; choose from CA-BRZ-60, CA-SLV-70, CA-GLD-80, CA-PLT-90, CA-BRZ-60-HDHP."
    )


def test_a_plan_of_another_region_is_refused():
    refused = refusal(Invalid, census(SINGLE_SEVENTY_ONE), plan_ids=("HI-GLD-80",))
    assert refused.code == "plan_not_in_region"
    assert refused.detail.startswith("HI-GLD-80 is not offered in CA; choose from CA-BRZ-60,")


def test_more_than_500_people_is_refused():
    # 100 employees with 4 dependents each = 500 people: accepted; one more employee makes 501.
    family = Employee(date(1980, 1, 1), (Dependent("spouse", date(1981, 1, 1)),) + (child(date(2010, 1, 1)),) * 3)
    assert len(quote(census(*[family] * 100), ["CA-GLD-80"], today=TODAY).plans[0].members) == 500
    refused = refusal(TooLarge, census(*[family] * 100, SINGLE_SEVENTY_ONE))
    assert refused.code == "census_too_large"
    assert refused.extra == {"people": 501, "limit": 500}
    assert "501 people; a quote takes at most 500" in refused.detail


def test_an_effective_date_not_on_the_first_is_refused():
    refused = refusal(Invalid, one_member(date(1980, 1, 1), effective=date(2026, 3, 15)))
    assert refused.code == "census_invalid"
    assert refused.extra["problems"] == [
        {
            "member": None,
            "code": "effective_not_first",
            "detail": "The effective date 2026-03-15 is not the first of a month; coverage starts on the 1st, "
            "enter the 1st.",
        }
    ]


def test_a_date_of_birth_in_the_future_is_refused_naming_the_member():
    family = Employee(date(1980, 1, 1), (child(date(2026, 2, 1)),))
    refused = refusal(Invalid, census(family))
    assert refused.extra["problems"] == [
        {
            "member": "Employee 1 child 1",
            "code": "dob_future",
            "detail": "the date of birth 2026-02-01 is in the future; correct it.",
        }
    ]
    assert refused.detail == (
        "The census has 1 problem: Employee 1 child 1: the date of birth 2026-02-01 is in the future; correct it."
    )
    # Born today is not in the future (a newborn before an effective date is quoted at 0-14).
    born_today = Employee(date(1980, 1, 1), (child(TODAY),))
    assert quote(census(born_today), ["CA-GLD-80"], today=TODAY).plans[0].members[1].age == 0


def test_a_birth_after_the_effective_date_is_refused():
    # Quoting a past effective date (2026-01-01) for a child born 2026-01-10, before today.
    family = Employee(date(1980, 1, 1), (child(date(2026, 1, 10)),))
    refused = refusal(Invalid, census(family, effective=date(2026, 1, 1)))
    assert [p["code"] for p in refused.extra["problems"]] == ["dob_after_effective"]


def test_every_problem_of_a_census_is_listed_at_once():
    family = Employee(
        date(2030, 1, 1),
        (
            Dependent("spouse", date(1980, 1, 1)),
            Dependent("domestic_partner", date(1981, 1, 1)),
            Dependent("cousin", date(2000, 1, 1)),
        ),
    )
    refused = refusal(Invalid, census(family, zip_code="9461"))
    assert [(p["member"], p["code"]) for p in refused.extra["problems"]] == [
        (None, "zip_format"),
        ("Employee 1", "dob_future"),
        ("Employee 1 cousin", "relationship_unknown"),
        ("Employee 1", "partners_more_than_one"),
    ]
    assert refused.detail.startswith("The census has 4 problems: The ZIP '9461' is not a ZIP code;")


@pytest.mark.parametrize("zip_code", ["94612", "94612-1234", "946121234"])
def test_zip_codes_of_five_or_nine_digits_are_taken(zip_code):
    assert quote(census(SINGLE_SEVENTY_ONE, zip_code=zip_code), ["CA-GLD-80"], today=TODAY).zip == zip_code


@pytest.mark.parametrize("zip_code", ["", "9461", "946123", "٩٤٦١٢", "94612-12"])
def test_other_zip_codes_are_refused(zip_code):
    refused = refusal(Invalid, census(SINGLE_SEVENTY_ONE, zip_code=zip_code))
    assert [p["code"] for p in refused.extra["problems"]] == ["zip_format"]


def test_a_catalog_and_curve_can_be_given():
    plans = Catalog.from_dict(
        {
            "notice": "test",
            "regions": {"CA": {"plans": [{"plan_id": "T", "name": "T", "metal_tier": "Gold", "base_rate": "100.00"}]}},
        }
    )
    curve = AgeCurve.from_dict({"factors": {"0-20": "0.500", "21+": "2.005"}})
    # 100.00 x 2.005 = 200.50
    result = quote(one_member(date(1980, 1, 1)), ["T"], today=TODAY, plan_catalog=plans, curve=curve)
    assert result.plans[0].monthly_total == Decimal("200.50")
    assert result.notice == "test"
