"""The group record's rules as plain functions: what a group may change, how
each value is checked, and the versions and events changes make."""

import pytest

from services.groups.domain import Group, checked_update, may_update
from shared.contracts.envelope import Actor
from shared.errors import BadInput, Invalid, NotFound, NotPermitted
from tests.messages import register_group

BROKER = Actor(user_id="broker1", role="broker")
OTHER_BROKER = Actor(user_id="broker2", role="broker")
ADMIN = Actor(user_id="admin1", role="group_admin")
REVIEWER = Actor(user_id="reviewer1", role="kp_reviewer")
KP = "Region and broker of record are changed by your KP representative"
ADDRESS = {"line1": "55 Second St", "line2": None, "city": "Oakland", "state": "ca", "zip": "946121234"}


def registered() -> Group:
    group = Group("230001")
    group.register(register_group())
    group.events.clear()
    return group


@pytest.mark.parametrize(
    ("field", "says"),
    [
        ("group_id", "A group's ID never changes."),
        ("name", KP),
        ("region", KP),
        ("broker_id", KP),
        ("renewal_date", KP),
        ("subgroups", KP),
        ("current_plans", KP),
        ("size", KP),
        ("version", "version is not part of a group's information."),
    ],
)
def test_each_field_a_group_may_not_change_is_refused_by_name(field, says):
    with pytest.raises(Invalid) as refused:
        checked_update({"phone": "415 555 0100", field: "x"})
    assert refused.value.code == "field_not_updatable"
    assert refused.value.extra == {"fields": [field]}
    assert refused.value.detail.startswith(f"These fields cannot be changed here: {field}. ")
    assert says in refused.value.detail
    assert refused.value.detail.endswith("A group may change its contacts, mailing_address, phone and email.")


def test_values_are_checked_and_normalised():
    changes = checked_update(
        {
            "phone": "415.555.0100",
            "email": "Office@Example.COM",
            "mailing_address": ADDRESS,
            "contacts": [{"name": " Ana Ruiz ", "role": "Billing", "phone": "+1 (510) 555-0123", "email": None}],
        }
    )
    assert changes == {
        "phone": "(415) 555-0100",
        "email": "Office@example.com",
        "mailing_address": {
            "line1": "55 Second St",
            "line2": None,
            "city": "Oakland",
            "state": "CA",
            "zip": "94612-1234",
        },
        "contacts": [{"name": "Ana Ruiz", "role": "Billing", "phone": "(510) 555-0123", "email": None}],
    }


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"phone": "555-01"}, "phone: not a valid US phone number; give 10 digits with the area code"),
        ({"phone": None}, "phone: a phone number is required"),
        ({"email": "office@"}, "email: not a valid e-mail address"),
        ({"mailing_address": {**ADDRESS, "zip": "9461"}}, "mailing_address.zip: give 5 digits, or 9 as ZIP+4"),
        ({"mailing_address": {**ADDRESS, "state": "XX"}}, "mailing_address.state: give the two-letter US state code"),
        ({"mailing_address": {**ADDRESS, "city": "x" * 61}}, "mailing_address.city: at most 60 characters"),
        ({"mailing_address": {**ADDRESS, "line1": ""}}, "mailing_address.line1: required"),
        ({"mailing_address": {**ADDRESS, "county": "Alameda"}}, "mailing_address: county not an address field"),
        ({"contacts": []}, "contacts: give at least one contact"),
        ({"contacts": [{"name": "Ana", "role": "Billing"}]}, "contacts[1]: give a phone number or an e-mail address"),
        ({"contacts": [{"name": "Ana", "role": "Billing", "email": "ana@x"}]}, "contacts[1].email: not a valid"),
        ({"contacts": [{"name": "A\nB", "role": "Billing", "phone": "4155550100"}]}, "contacts[1].name: remove"),
        ({"contacts": [{"name": "Ana", "role": "Billing", "phone": "4155550100"}] * 11}, "at most 10 contacts"),
    ],
)
def test_each_invalid_value_is_named_with_its_fix(body, says):
    with pytest.raises(Invalid) as refused:
        checked_update(body)
    assert refused.value.code == "invalid_group_information"
    assert says in refused.value.detail


def test_an_empty_change_is_refused():
    with pytest.raises(BadInput, match="Name at least one of contacts, mailing_address, phone, email"):
        checked_update({})


def test_a_reviewer_may_not_update_and_another_broker_finds_no_group():
    group = registered()
    with pytest.raises(NotPermitted):
        may_update(REVIEWER)
    with pytest.raises(NotFound):
        group.update({"phone": "(415) 555-0199"}, OTHER_BROKER, "c")
    assert group.record["phone"] == "(415) 555-0100" and not group.events


def test_an_update_makes_a_version_and_an_event_of_what_changed():
    group = registered()
    record = group.update({"phone": "(415) 555-0199", "email": "office@example.com"}, ADMIN, "c1")
    assert record["version"] == 2 and record["phone"] == "(415) 555-0199"
    (event,) = group.events
    assert event.event_id == "230001:information:2" and event.changed == ["phone"]  # the e-mail was the same
    assert event.phone == "(415) 555-0199" and event.email is None and event.actor == ADMIN
    group.events.clear()
    group.update({"phone": "(415) 555-0199"}, BROKER, "c2")
    assert group.record["version"] == 2 and not group.events  # nothing new: no version, no event


def test_registering_again_keeps_what_the_group_changed_and_is_the_same_event_when_nothing_changed():
    group = registered()
    group.update({"phone": "(415) 555-0199"}, BROKER, "c")
    group.events.clear()
    group.register(register_group())
    assert group.record["phone"] == "(415) 555-0199" and group.record["version"] == 2
    assert group.events[0].event_id == "230001:registered:2"
    group.register(register_group(size=40, email="new@example.com"))
    assert group.record["version"] == 3 and group.record["size"] == 40 and group.record["email"] == "new@example.com"
    assert group.events[-1].version == 3 and group.events[-1].phone == "(415) 555-0199"


def test_several_refused_fields_are_named_together():
    with pytest.raises(Invalid) as refused:
        checked_update({"region": "HI", "broker_id": "broker2", "group_id": "1", "phone": "4155550100"})
    assert refused.value.extra == {"fields": ["region", "broker_id", "group_id"]}
    assert refused.value.detail.startswith(
        "These fields cannot be changed here: region, broker_id, group_id. A group's ID never changes. "
        "Region and broker of record are changed by your KP representative"
    )


@pytest.mark.parametrize(
    "city",
    ["Oak\u2028land", "Oak\u202eland", "Oak\u200bland", "Oak\x85land", '=HYPERLINK("http://x")', "@SUM(A1)", "+1"],
)
def test_invisible_characters_and_formula_starts_are_refused(city):
    from services.groups import domain

    problems: list[str] = []
    domain._text("mailing_address.city", "city", city, problems)
    assert problems and "mailing_address.city" in problems[0]


def test_a_zip_code_is_ascii_digits():
    from services.groups import domain

    assert domain.ZIP.fullmatch("94103-1234") and not domain.ZIP.fullmatch("\u0669\u0664\u0661\u0660\u0663")
