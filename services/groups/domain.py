"""The group record and its rules: what the insurer's feed registers, what a
group may change itself (contacts, mailing address, phone, email), how each
value is checked, and the events a change emits. Pure: no I/O, no HTTP."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from shared.contracts.envelope import Actor
from shared.contracts.reference import (
    GROUP_INFORMATION_FIELDS,
    GroupInformationUpdated,
    GroupRecord,
    GroupRegistered,
    RegisterGroup,
)
from shared.errors import BadInput, Invalid, NotFound, NotPermitted

Record = dict[str, Any]

# Who changes the fields a group may not change itself, as the refusal says it.
KP_OWNED = (
    "name",
    "region",
    "broker_id",
    "subgroups",
    "renewal_date",
    "acquired_on",
    "can_enroll",
    "physical_address",
    "current_plans",
    "size",
)
ROLES_THAT_UPDATE = ("broker", "group_admin")
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH "
    "OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI".split()
)
ZIP = re.compile(r"([0-9]{5})(?:-?([0-9]{4}))?")  # ASCII digits only (\d takes any script's)
# Control, format (bidi overrides, zero-width) and line/paragraph separator characters.
HIDDEN = ("Cc", "Cf", "Zl", "Zp")
# Text a spreadsheet program would take as a formula (the product refuses it everywhere).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_CONTACTS = 10
# The longest value each text field keeps.
LIMITS = {"line1": 100, "line2": 100, "city": 60, "name": 100, "role": 50, "email": 254}
ADDRESS_FIELDS = ("line1", "line2", "city", "state", "zip")
CONTACT_FIELDS = ("name", "role", "phone", "email")


# --- what a group may change, and how each value is checked -----------------


def not_updatable(body: dict[str, Any]) -> None:
    """Refuse a change naming fields a group does not change itself (422
    ``field_not_updatable``), naming them and who changes them."""
    refused = [name for name in body if name not in GROUP_INFORMATION_FIELDS]
    if not refused:
        return
    kp = [f for f in refused if f in KP_OWNED]
    unknown = [f for f in refused if f not in KP_OWNED and f != "group_id"]
    said = [f"These fields cannot be changed here: {', '.join(refused)}."]
    if "group_id" in refused:
        said.append("A group's ID never changes.")
    if kp:
        said.append(
            "Region and broker of record are changed by your KP representative, as are the group's name, "
            "subgroups, renewal date, physical address, plans and size."
        )
    if unknown:
        said.append(f"{', '.join(unknown)} {_are(unknown)} not part of a group's information.")
    said.append(
        f"A group may change its {', '.join(GROUP_INFORMATION_FIELDS[:-1])} and {GROUP_INFORMATION_FIELDS[-1]}."
    )
    detail = " ".join(said)
    raise Invalid("field_not_updatable", detail, {"fields": refused})


def _are(names: list[str]) -> str:
    return "are" if len(names) > 1 else "is"


def checked_update(body: dict[str, Any]) -> Record:
    """The change a group asks for, its values checked and normalised (phone
    numbers formatted, e-mail domains lower-cased, ZIP codes as 12345 or
    12345-6789); every problem is named with its field and the fix."""
    if not body:
        raise BadInput("nothing_to_update", f"Name at least one of {', '.join(GROUP_INFORMATION_FIELDS)} to change.")
    not_updatable(body)
    problems: list[str] = []
    checked: Record = {}
    for name, value in body.items():
        checked[name] = CHECKS[name](name, value, problems)
    if problems:
        raise Invalid("invalid_group_information", " ".join(problems), {"problems": problems})
    return checked


def _phone(where: str, value: Any, problems: list[str], required: bool = True) -> str | None:
    if value is None or value == "":
        if required:
            problems.append(f"{where}: a phone number is required; give 10 digits with the area code.")
        return None
    if not isinstance(value, str) or len(value) > 30:
        problems.append(f"{where}: give a US phone number as text, like (415) 555-0134.")
        return None
    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number_for_region(number, "US"):
        problems.append(
            f"{where}: not a valid US phone number; give 10 digits with the area code, like (415) 555-0134."
        )
        return None
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return f"{formatted} ext. {number.extension}" if number.extension else formatted


def _email(where: str, value: Any, problems: list[str], required: bool = True) -> str | None:
    if value is None or value == "":
        if required:
            problems.append(f"{where}: an e-mail address is required, like office@example.com.")
        return None
    if not isinstance(value, str) or len(value) > LIMITS["email"]:
        problems.append(f"{where}: give an e-mail address of at most {LIMITS['email']} characters.")
        return None
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        problems.append(f"{where}: not a valid e-mail address; give one like office@example.com.")
        return None


def _text(where: str, key: str, value: Any, problems: list[str], required: bool = True) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append(f"{where}: required; fill it in.")
        return None
    if not isinstance(value, str):
        problems.append(f"{where}: give it as text.")
        return None
    value = value.strip()
    if len(value) > LIMITS[key]:
        problems.append(f"{where}: at most {LIMITS[key]} characters; shorten it.")
    elif any(unicodedata.category(c) in HIDDEN for c in value):
        problems.append(f"{where}: remove the line breaks, control or invisible characters.")
    elif value.startswith(FORMULA_START):
        problems.append(f"{where}: cannot start with =, +, -, @ (a spreadsheet would run it); remove that character.")
    return value


def _address(where: str, value: Any, problems: list[str]) -> Record | None:
    if not isinstance(value, dict):
        problems.append(f"{where}: give line1, line2 (optional), city, state and zip.")
        return None
    if extra := [k for k in value if k not in ADDRESS_FIELDS]:
        problems.append(f"{where}: {', '.join(extra)} not an address field; use line1, line2, city, state and zip.")
    address = {
        "line1": _text(f"{where}.line1", "line1", value.get("line1"), problems),
        "line2": _text(f"{where}.line2", "line2", value.get("line2"), problems, required=False),
        "city": _text(f"{where}.city", "city", value.get("city"), problems),
        "state": None,
        "zip": None,
    }
    state = value.get("state")
    if isinstance(state, str) and state.strip().upper() in US_STATES:
        address["state"] = state.strip().upper()
    else:
        problems.append(f"{where}.state: give the two-letter US state code, like CA.")
    zip_code = value.get("zip")
    match = ZIP.fullmatch(zip_code.strip()) if isinstance(zip_code, str) else None
    if match:
        address["zip"] = match[1] + (f"-{match[2]}" if match[2] else "")
    else:
        problems.append(f"{where}.zip: give 5 digits, or 9 as ZIP+4 (94103 or 94103-1234).")
    return address


def _contacts(where: str, value: Any, problems: list[str]) -> list[Record] | None:
    if not isinstance(value, list) or not value:
        problems.append(f"{where}: give at least one contact (name, role, phone, email).")
        return None
    if len(value) > MAX_CONTACTS:
        problems.append(f"{where}: at most {MAX_CONTACTS} contacts; remove {len(value) - MAX_CONTACTS}.")
        return None
    contacts = []
    for n, contact in enumerate(value, 1):
        at = f"{where}[{n}]"
        if not isinstance(contact, dict):
            problems.append(f"{at}: give the contact's name, role, phone and email.")
            continue
        if extra := [k for k in contact if k not in CONTACT_FIELDS]:
            problems.append(f"{at}: {', '.join(extra)} not a contact field; use name, role, phone and email.")
        phone, email = contact.get("phone"), contact.get("email")
        if not phone and not email:
            problems.append(f"{at}: give a phone number or an e-mail address to reach them by.")
        contacts.append(
            {
                "name": _text(f"{at}.name", "name", contact.get("name"), problems),
                "role": _text(f"{at}.role", "role", contact.get("role"), problems),
                "phone": _phone(f"{at}.phone", phone, problems, required=False),
                "email": _email(f"{at}.email", email, problems, required=False),
            }
        )
    return contacts


CHECKS = {"phone": _phone, "email": _email, "mailing_address": _address, "contacts": _contacts}


def may_update(actor: Actor, record: Record | None = None) -> None:
    """Brokers of the group and its administrators update it (the gateway
    checked the administrator's group); a KP reviewer may not."""
    if actor.role not in ROLES_THAT_UPDATE:
        raise NotPermitted(
            "role_cannot_update_group",
            "Your role can read a group's information but not change it; the group's broker or administrator can.",
        )
    if record is not None and actor.role == "broker" and record["broker_id"] != actor.user_id:
        raise NotFound("group_not_found", f"Group {record['group_id']} not found.")


# --- the aggregate -----------------------------------------------------------


class Group:
    """One group's record, the one place it changes, and the events each change
    emits (into the outbox). ``maintained`` names the information fields the
    group changed itself: the insurer's feed no longer overwrites those."""

    def __init__(self, group_id: str, record: Record | None = None, maintained: list[str] | None = None) -> None:
        self.group_id = group_id
        self.record = record
        self.maintained = list(maintained or [])
        self.events: list[GroupRegistered | GroupInformationUpdated] = []

    def register(self, command: RegisterGroup) -> Record:
        """Keep the facts the feed gives (the fields the group maintains stay
        as the group set them); a new version only when something changed.
        Announced every time, with an id naming the version: registering the
        same facts again sends the same event, which consumers take once."""
        facts = command.model_dump(mode="json", include=set(GroupRecord.model_fields))
        current = self.record or {}
        merged = {**facts, **{f: current[f] for f in self.maintained if f in current}}
        version = current.get("version", 0)
        if {k: v for k, v in current.items() if k != "version"} != merged:
            version += 1
        self.record = {**merged, "version": version}
        self.events.append(
            GroupRegistered(
                **merged,
                version=version,
                event_id=f"{self.group_id}:registered:{version}",
                correlation_id=command.correlation_id,
            )
        )
        return self.record

    def update(self, changes: Record, actor: Actor, correlation_id: str) -> Record:
        """The group's own change of its information (values checked by
        :func:`checked_update`); a new version and an event only when a value
        differs from the record's."""
        if self.record is None:
            raise NotFound("group_not_found", f"Group {self.group_id} not found.")
        may_update(actor, self.record)
        changed = [f for f in GROUP_INFORMATION_FIELDS if f in changes and changes[f] != self.record.get(f)]
        if not changed:
            return self.record
        version = self.record["version"] + 1
        self.record = {**self.record, **{f: changes[f] for f in changed}, "version": version}
        self.maintained = sorted({*self.maintained, *changed})
        self.events.append(
            GroupInformationUpdated(
                event_id=f"{self.group_id}:information:{version}",
                correlation_id=correlation_id,
                group_id=self.group_id,
                version=version,
                changed=changed,
                actor=actor,
                **{f: changes[f] for f in changed},
            )
        )
        return self.record


def view(record: Record) -> Record:
    """The group's record as the API answers it."""
    return dict(record)
