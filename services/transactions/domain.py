"""The broker portal's self-service transactions (issue 11): quotes, small-group
enrollments and renewals, their multi-step saved answers, and the state
machine KP review drives. Pure: no I/O, no HTTP, no Kafka.

The statuses are the dashboard's (seed 000_380996e4b0612008): Open (saved
before submitting; the broker can continue it), Pending KP Review (submitted,
under review), Action Required (KP returned it with instructions and the
representative to contact), Completed (approved). Cancelled is the broker's
withdrawal: the transaction leaves the history.

    start ──► Open ──submit──► Pending KP Review ──approve──► Completed
               ▲  ▲                    │
               │  └──continue── Action Required ◄──return──┘
               │                       │ (submit again directly also works)
            cancel from Open or Action Required ──► Cancelled

"Continue" makes an Action Required transaction Open again (one choice of two,
taken because the seed says Open transactions are the ones a broker opens by ID
and keeps working on): saving then keeps it Open until it is resubmitted. KP's
instructions and representative stay on the record while the broker works, and
in the history for good; resubmitting clears them from the record.

Every change is one new ``revision`` and one event (named for what happened,
``TransactionSubmitted``...), with a deterministic id ``<transaction_id>:<revision>``
so a redelivered change is recognised. Refused moves raise
:class:`shared.errors.Conflict` (answered 409) naming the reason and the fix.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import phonenumbers

from shared.contracts.envelope import Actor
from shared.errors import Conflict, Invalid

Record = dict[str, Any]

# --- kinds, statuses, required steps -----------------------------------------

QUOTE = "Quote"
GROUP_ENROLLMENT = "Group Enrollment"
RENEWAL = "Renewal"
MASS_ENROLLMENT = "Mass Enrollment"
# The kinds this service starts; Mass Enrollment applications are started by
# uploading a file (services/applications) but wait in the same KP review queue.
KINDS = (QUOTE, GROUP_ENROLLMENT, RENEWAL)
REVIEWABLE_KINDS = (*KINDS, MASS_ENROLLMENT)
ID_PREFIX = {QUOTE: "QT", GROUP_ENROLLMENT: "EN", RENEWAL: "RN", MASS_ENROLLMENT: "ME"}

OPEN = "Open"
PENDING = "Pending KP Review"
ACTION_REQUIRED = "Action Required"
COMPLETED = "Completed"
CANCELLED = "Cancelled"
STATUSES = (OPEN, PENDING, ACTION_REQUIRED, COMPLETED, CANCELLED)

BROKER, GROUP_ADMIN, KP_REVIEWER = "broker", "group_admin", "kp_reviewer"

# The steps of each kind's form, and the answers a submission needs in each.
# Deliberately few: the quoting and enrollment rules check the values
# themselves; this only says whether the form was filled in.
REQUIRED: dict[str, dict[str, tuple[str, ...]]] = {
    QUOTE: {
        "census": ("zip", "members"),
        "plans": ("plan_ids",),
        "coverage": ("effective_date",),
    },
    GROUP_ENROLLMENT: {
        "group_information": ("legal_name", "address", "contact"),
        "plans": ("plan_ids",),
        "census": ("members",),
        "coverage": ("effective_date",),
    },
    RENEWAL: {
        "renewal_plans": ("plan_ids",),
        "coverage": ("effective_date",),
    },
}

MAX_INSTRUCTIONS = 1000
MAX_NAME = 100
MAX_NOTE = 1000
# Control, format (bidi overrides, zero-width) and line/paragraph separator characters.
HIDDEN = ("Cc", "Cf", "Zl", "Zp")


# --- transaction ids, readable over the phone ---------------------------------

# Crockford's base32 (https://www.crockford.com/base32.html): digits and the
# letters without I, L, O and U, which are misread (I, L as 1; O as 0) or
# misheard. When read back, I and L mean 1 and O means 0; hyphens are ignored.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ID_SHAPE = re.compile(r"(QT|EN|RN|ME)-([0-9A-HJKMNP-TV-Z]{4})-([0-9A-HJKMNP-TV-Z]{4})")
READ_BACK = str.maketrans({"O": "0", "I": "1", "L": "1"})
CODE_BYTES = 5  # 40 random bits: exactly 8 characters of 5 bits


def new_transaction_id(kind: str, random_bytes: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """A fresh id for a transaction of ``kind``: its prefix and 8 characters of
    Crockford's base32 in two groups of four (``QT-7K3M-2P9X``), 40 bits from
    ``random_bytes`` (a test passes fixed bytes). About a trillion per kind: the
    store still refuses a duplicate and the service draws again."""
    if kind not in ID_PREFIX:
        raise Invalid("unknown_kind", f"{kind!r} is not a kind of transaction; use one of {', '.join(KINDS)}.")
    drawn = random_bytes(CODE_BYTES)
    if len(drawn) != CODE_BYTES:
        raise ValueError(f"random_bytes gave {len(drawn)} bytes, not {CODE_BYTES}")
    number = int.from_bytes(drawn, "big")
    code = "".join(ALPHABET[(number >> shift) & 31] for shift in range(35, -1, -5))
    return f"{ID_PREFIX[kind]}-{code[:4]}-{code[4:]}"


def is_transaction_id(text: str, kinds: tuple[str, ...] = REVIEWABLE_KINDS) -> bool:
    """Whether ``text`` is exactly a transaction id as this service writes it
    (of one of ``kinds``); anything else cannot name one, so it is 404 before
    any lookup."""
    match = ID_SHAPE.fullmatch(text) if isinstance(text, str) else None
    return match is not None and match[1] in {ID_PREFIX[k] for k in kinds}


def read_back(text: str, kinds: tuple[str, ...] = REVIEWABLE_KINDS) -> str | None:
    """The id someone typed or read out over the phone, as written
    (``qt 7k3m 2p9x`` and ``QT-7K3M-2P9O`` give ``QT-7K3M-2P90``), or None when
    it cannot be one: case, spaces and hyphens do not matter, O is 0, I and L are 1."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    squeezed = re.sub(r"[\s-]", "", text).upper()
    if len(squeezed) != 10:
        return None
    candidate = f"{squeezed[:2]}-{squeezed[2:6].translate(READ_BACK)}-{squeezed[6:].translate(READ_BACK)}"
    return candidate if is_transaction_id(candidate, kinds) else None


def kind_of(transaction_id: str) -> str | None:
    """The kind an id's prefix names (None for no id of this portal)."""
    if not is_transaction_id(transaction_id):
        return None
    return next(kind for kind, prefix in ID_PREFIX.items() if transaction_id.startswith(f"{prefix}-"))


# --- the moves ------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """One move of the state machine: the statuses it starts from, where it
    goes (None: the status stays), and the event it makes."""

    name: str
    starts: tuple[str, ...]
    to: str | None
    event: str
    past: str  # "submitted": how a refusal says it


MOVES = {
    "save": Move("save", (OPEN,), None, "TransactionSaved", "saved"),
    "submit": Move("submit", (OPEN, ACTION_REQUIRED), PENDING, "TransactionSubmitted", "submitted"),
    "approve": Move("approve", (PENDING,), COMPLETED, "TransactionApproved", "approved"),
    "return": Move("return", (PENDING,), ACTION_REQUIRED, "TransactionReturned", "returned"),
    "continue": Move("continue", (OPEN, ACTION_REQUIRED), OPEN, "TransactionContinued", "continued"),
    "cancel": Move("cancel", (OPEN, ACTION_REQUIRED), CANCELLED, "TransactionCancelled", "cancelled"),
}
REVIEW_MOVES = ("approve", "return")

# Why a transaction in each status refuses a move, and what to do instead.
STATUS_REASON = {
    OPEN: "it has not been submitted yet; only a transaction Pending KP Review is approved or returned.",
    ACTION_REQUIRED: "KP returned it to the broker; it is reviewed again once the broker resubmits it.",
    PENDING: (
        "KP is reviewing it, so it cannot change now. Wait for KP's decision: "
        "it comes back as Action Required if KP needs something from you."
    ),
    COMPLETED: "KP approved it, so it stays as approved. Start a new {kind} for any further change.",
    CANCELLED: "it was withdrawn and is no longer in the history. Start a new {kind} instead.",
}
SAVE_WHEN_RETURNED = "KP returned it for changes: continue it first (it becomes Open again), then save your changes."


@dataclass(frozen=True)
class TransactionEvent:
    """What one change did, for the service to publish (it maps these onto
    Kafka messages with the record as it now is). ``event_id`` is
    ``<transaction_id>:<revision>``: the same change always has the same id.
    ``note`` is the reviewer's instructions for a return; no personal data of
    members (the census stays in the record)."""

    type: str
    event_id: str
    transaction_id: str
    kind: str
    revision: int
    from_status: str | None
    to_status: str
    actor: Actor
    at: datetime
    note: str | None = None


# --- who may do what -------------------------------------------------------------


def may_review(actor: Actor, record: Record) -> None:
    """Only a KP reviewer approves or returns (the issue: a broker approving
    anything is refused with 409)."""
    if actor.role != KP_REVIEWER:
        raise Conflict(
            "not_a_reviewer",
            f"Only a KP reviewer approves or returns a transaction; a {actor.role} cannot "
            f"({record['transaction_id']}). KP reviews it once it is submitted.",
        )


def may_work_on(actor: Actor, record: Record) -> None:
    """The broker of record works on a transaction (saves, continues, submits,
    cancels); so does an administrator of its group (the gateway checked which
    group the administrator may act for). A KP reviewer decides, not edits."""
    tid = record["transaction_id"]
    if actor.role == KP_REVIEWER:
        raise Conflict(
            "reviewer_cannot_change",
            f"A KP reviewer approves or returns {tid} but does not change, continue, submit or cancel it; "
            "return it with instructions for the broker instead.",
        )
    if actor.role == BROKER and record["broker_id"] != actor.user_id:
        raise Conflict(
            "not_your_transaction",
            f"{tid} is another broker's transaction: only its broker of record can continue, change, "
            "submit or cancel it. Start your own instead.",
        )
    if actor.role == GROUP_ADMIN and record.get("group_id") is None:
        raise Conflict(
            "not_your_transaction",
            f"{tid} is for a business that is not a KP group yet: only its broker can work on it.",
        )


def _check_status(move: Move, record: Record) -> None:
    status = record["status"]
    if status in move.starts:
        return
    tid, kind = record["transaction_id"], record["kind"]
    if status == CANCELLED:
        code = "transaction_cancelled"
    else:
        code = f"cannot_{move.name}"
    if move.name == "save" and status == ACTION_REQUIRED:
        reason = SAVE_WHEN_RETURNED
    else:
        reason = STATUS_REASON[status].format(kind=kind.lower())
    raise Conflict(
        code,
        f"{kind} {tid} is {status} and cannot be {move.past}: {reason}",
        {"status": status, "allowed_from": list(move.starts)},
    )


# --- what the form holds ------------------------------------------------------------


def _filled(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple, dict, set)):
        return bool(value)
    return True


def missing_parts(kind: str, steps: Mapping[str, Any]) -> dict[str, list[str]]:
    """The required answers not yet given, by step in the form's order (empty:
    ready to submit). Blank text, empty lists and None count as not given."""
    missing: dict[str, list[str]] = {}
    for step, fields in REQUIRED[kind].items():
        given = steps.get(step) or {}
        if gaps := [f for f in fields if not _filled(given.get(f))]:
            missing[step] = gaps
    return missing


def checked_steps(kind: str, steps: Any) -> dict[str, dict[str, Any]]:
    """Step data as a save gives it: a mapping of the kind's step names to
    mappings of answers (their values are the quoting and enrollment rules'
    business). Unknown steps are refused by name with the kind's steps."""
    if steps is None:
        return {}
    if not isinstance(steps, Mapping):
        raise Invalid("bad_steps", f"Give the answers by step, as {{step name: {{field: value}}}}, for the {kind}.")
    known = REQUIRED[kind]
    if unknown := [name for name in steps if name not in known]:
        raise Invalid(
            "unknown_step",
            f"A {kind} has no step {', '.join(map(str, unknown))}; its steps are {', '.join(known)}.",
            {"steps": [str(n) for n in unknown]},
        )
    checked: dict[str, dict[str, Any]] = {}
    for name, answers in steps.items():
        if not isinstance(answers, Mapping) or not all(isinstance(k, str) for k in answers):
            raise Invalid("bad_steps", f"Step {name}: give its answers as {{field: value}}.")
        if problem := _unstorable(answers, MAX_ANSWER_DEPTH):
            raise Invalid("bad_steps", f"Step {name}: {problem}")
        checked[name] = dict(answers)
    return checked


MAX_ANSWER_DEPTH = 6
MAX_ANSWER_ITEMS = 2_000
INT64 = 2**63


def _unstorable(value: Any, depth: int) -> str | None:
    """What in an answer could not be kept as it was sent (None: nothing): plain JSON values only,
    names without NUL, "$" or ".", whole numbers within 64 bits, a bounded nesting and size."""
    if depth < 0:
        return "the answers are nested too deeply; give plain values, lists and {field: value} only."
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return None
    if isinstance(value, int):
        return None if -INT64 <= value < INT64 else f"the number {str(value)[:20]}… is too large."
    if isinstance(value, Mapping):
        items = list(value.items())
        if len(items) > MAX_ANSWER_ITEMS:
            return f"more than {MAX_ANSWER_ITEMS} answers in one place."
        for key, inner in items:
            if not isinstance(key, str) or not key or "\x00" in key or key.startswith("$") or "." in key:
                return f"the field name {str(key)[:40]!r} cannot be kept: use letters, digits and _ only."
            if problem := _unstorable(inner, depth - 1):
                return problem
        return None
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_ANSWER_ITEMS:
            return f"more than {MAX_ANSWER_ITEMS} items in one list."
        for inner in value:
            if problem := _unstorable(inner, depth - 1):
                return problem
        return None
    return f"a {type(value).__name__} is not an answer; give text, numbers, lists or {{field: value}}."


def merged_steps(saved: Mapping[str, Any], changes: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """``saved`` with ``changes`` laid over it, field by field: answers given
    replace those saved, the others and the other steps stay (a save sends the
    step on screen, not the whole form). A field given as None is cleared."""
    merged = {name: dict(answers) for name, answers in saved.items()}
    for name, answers in changes.items():
        merged[name] = {**merged.get(name, {}), **answers}
    return merged


def _text(code: str, what: str, value: Any, limit: int, lines: bool = False) -> str:
    """Required text, stripped; refused (422) when missing, too long, or
    holding control or invisible characters (line breaks only where ``lines``)."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"{code}_required", f"{what} is required; fill it in.")
    value = value.strip()
    if len(value) > limit:
        raise Invalid(f"{code}_too_long", f"{what} is {len(value)} characters; shorten it to at most {limit}.")
    allowed = {"\n", "\r"} if lines else set()
    if any(unicodedata.category(c) in HIDDEN and c not in allowed for c in value):
        raise Invalid(f"bad_{code}", f"{what}: remove the control or invisible characters.")
    return value


def _phone(value: Any) -> str:
    """A US phone number, formatted as (800) 555-0134; refused (422) otherwise."""
    number = None
    if isinstance(value, str) and 0 < len(value) <= 30:
        try:
            number = phonenumbers.parse(value, "US")
        except phonenumbers.NumberParseException:
            number = None
    if number is None or not phonenumbers.is_valid_number_for_region(number, "US"):
        raise Invalid(
            "bad_contact_phone",
            "The representative's phone is not a valid US number; give 10 digits with the area code, "
            "like 1-800-555-0134.",
        )
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return f"{formatted} ext. {number.extension}" if number.extension else formatted


def instructions_line(record: Record) -> str | None:
    """The instructions as the dashboard's Instructions column shows them (KP's
    text, then the representative to contact); None unless Action Required."""
    if record["status"] != ACTION_REQUIRED or not record.get("instructions"):
        return None
    contact = record.get("reviewer_contact") or {}
    return f"{record['instructions']} Contact: {contact.get('name')}, {contact.get('phone')}"


# --- the aggregate ------------------------------------------------------------------


class Transaction:
    """One transaction's record (a plain dict, as stored), the one place it
    changes, and the events its changes make (also kept in ``events``, for the
    outbox). Each move checks who asks and the status first, then the input,
    and changes nothing when it refuses."""

    def __init__(self, record: Record) -> None:
        self.record = record
        self.events: list[TransactionEvent] = []

    @property
    def transaction_id(self) -> str:
        return self.record["transaction_id"]

    @property
    def status(self) -> str:
        return self.record["status"]

    @property
    def revision(self) -> int:
        return self.record["revision"]

    @classmethod
    def start(
        cls,
        transaction_id: str,
        kind: str,
        actor: Actor,
        now: datetime,
        *,
        group_name: str,
        group_id: str | None = None,
        broker_id: str | None = None,
        steps: Mapping[str, Any] | None = None,
    ) -> Transaction:
        """A new Open transaction, revision 1, with what the first step saved.
        A broker starts it in their own book; a group's administrator for their
        group, naming its broker of record. A quote may be for a prospect (no
        group id yet); a renewal is always for a group."""
        if kind not in KINDS:
            raise Invalid(
                "unknown_kind",
                f"{kind!r} is not a transaction started here; start a {', a '.join(KINDS)}"
                " (Mass Enrollment applications start with a file upload).",
            )
        if not is_transaction_id(transaction_id, (kind,)):
            raise Invalid("bad_transaction_id", f"{transaction_id!r} is not an id for a {kind}; draw a new one.")
        if actor.role == KP_REVIEWER:
            raise Conflict("reviewer_cannot_change", "A KP reviewer reviews transactions but does not start them.")
        if actor.role == GROUP_ADMIN and (group_id is None or not broker_id):
            raise Invalid("group_required", "A group administrator starts a transaction for their group and broker.")
        if actor.role == BROKER and broker_id not in (None, actor.user_id):
            raise Conflict("not_your_transaction", "A broker starts transactions in their own book only.")
        if kind == RENEWAL and group_id is None:
            raise Invalid("group_required", "A renewal is for an existing group; name its group id.")
        record: Record = {
            "transaction_id": transaction_id,
            "kind": kind,
            "broker_id": broker_id or actor.user_id,
            "group_id": group_id,
            "group_name": _text("group_name", "The group's name", group_name, MAX_NAME),
            "created_at": now,
            "created_by": actor.user_id,
            "status": OPEN,
            "steps": merged_steps({}, checked_steps(kind, steps)),
            "instructions": None,
            "reviewer_contact": None,
            "submitted_at": None,
            "updated_at": now,
            "history": [],
            "revision": 0,
        }
        transaction = cls(record)
        transaction._change(None, OPEN, actor, now, "TransactionStarted")
        return transaction

    # -- the broker's moves --

    def save(self, actor: Actor, now: datetime, steps: Mapping[str, Any]) -> list[TransactionEvent]:
        """Keep the answers of the step on screen (Save, Next, Back); it stays
        Open. Nothing changes, and no event, when the answers are those saved."""
        may_work_on(actor, self.record)
        _check_status(MOVES["save"], self.record)
        merged = merged_steps(self.record["steps"], checked_steps(self.record["kind"], steps))
        if merged == self.record["steps"]:
            return []
        self.record["steps"] = merged
        return self._change(OPEN, OPEN, actor, now, MOVES["save"].event, history=False)

    def submit(self, actor: Actor, now: datetime, steps: Mapping[str, Any] | None = None) -> list[TransactionEvent]:
        """Send it for KP review (from Open, or straight from Action Required),
        with the last step's answers if given. Refused, changing nothing, when
        a required answer is missing: the refusal names each by step."""
        move = MOVES["submit"]
        may_work_on(actor, self.record)
        _check_status(move, self.record)
        kind = self.record["kind"]
        merged = merged_steps(self.record["steps"], checked_steps(kind, steps))
        if missing := missing_parts(kind, merged):
            said = "; ".join(f"{step} ({', '.join(fields)})" for step, fields in missing.items())
            raise Conflict(
                "incomplete_transaction",
                f"{kind} {self.transaction_id} cannot be submitted yet; missing: {said}. "
                "Fill them in on those steps, save, and submit again.",
                {"missing": missing},
            )
        self.record.update(steps=merged, instructions=None, reviewer_contact=None, submitted_at=now)
        return self._change(self.status, PENDING, actor, now, move.event)

    def continue_(self, actor: Actor, now: datetime) -> list[TransactionEvent]:
        """Open it to keep working: an Action Required one becomes Open (KP's
        instructions stay on it until resubmitted); an Open one is opened as it
        is (no change, no event). Another broker's is refused."""
        move = MOVES["continue"]
        may_work_on(actor, self.record)
        _check_status(move, self.record)
        if self.status == OPEN:
            return []
        return self._change(ACTION_REQUIRED, OPEN, actor, now, move.event)

    def cancel(self, actor: Actor, now: datetime) -> list[TransactionEvent]:
        """Withdraw it (after the dialog's Yes): it leaves the history. Only an
        Open or Action Required one; a submitted or completed one stays."""
        move = MOVES["cancel"]
        may_work_on(actor, self.record)
        _check_status(move, self.record)
        return self._change(self.status, CANCELLED, actor, now, move.event)

    # -- KP's moves --

    def approve(self, actor: Actor, now: datetime, note: str | None = None) -> list[TransactionEvent]:
        """KP approves it: Completed. What approval does elsewhere (the group
        added, the plans changed) follows from the event."""
        move = MOVES["approve"]
        may_review(actor, self.record)
        _check_status(move, self.record)
        note = _text("note", "The note", note, MAX_NOTE, lines=True) if note else None
        return self._change(PENDING, COMPLETED, actor, now, move.event, note=note)

    def return_for_action(
        self, actor: Actor, now: datetime, instructions: str, contact_name: str, contact_phone: str
    ) -> list[TransactionEvent]:
        """KP returns it to the broker: Action Required, with what KP needs
        (at most 1000 characters) and the representative who will help."""
        move = MOVES["return"]
        may_review(actor, self.record)
        _check_status(move, self.record)
        text = _text("instructions", "The instructions", instructions, MAX_INSTRUCTIONS, lines=True)
        contact = {
            "name": _text("contact_name", "The representative's name", contact_name, MAX_NAME),
            "phone": _phone(contact_phone),
        }
        self.record.update(instructions=text, reviewer_contact=contact)
        note = f"{text} Contact: {contact['name']}, {contact['phone']}"
        return self._change(PENDING, ACTION_REQUIRED, actor, now, move.event, note=note)

    # -- the one place the record moves --

    def _change(
        self,
        from_status: str | None,
        to_status: str,
        actor: Actor,
        now: datetime,
        event: str,
        note: str | None = None,
        history: bool = True,
    ) -> list[TransactionEvent]:
        """Apply a move: status, revision +1, the history entry (status moves
        only: saves are in the events, not the audit of decisions), the event."""
        revision = self.record["revision"] + 1
        self.record.update(status=to_status, revision=revision, updated_at=now)
        if history:
            entry = {"from": from_status, "to": to_status, "by": actor.user_id, "role": actor.role, "at": now}
            self.record["history"] = [*self.record["history"], {**entry, "note": note}]
        made = TransactionEvent(
            type=event,
            event_id=f"{self.transaction_id}:{revision}",
            transaction_id=self.transaction_id,
            kind=self.record["kind"],
            revision=revision,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            at=now,
            note=note,
        )
        self.events.append(made)
        return [made]


def dashboard_fields(record: Record) -> Record:
    """The fields of the dashboard's ``TransactionRecorded`` for the record as
    it now is (the service adds the envelope). Cancelled has no such status:
    the service announces a withdrawal so the history drops it."""
    return {
        "transaction_id": record["transaction_id"],
        "transaction_type": record["kind"],
        "group_id": record["group_id"],
        "group_name": record["group_name"],
        "broker_id": record["broker_id"],
        "created_at": record["created_at"],
        "created_by": record["created_by"],
        "status": record["status"],
        "instructions": instructions_line(record),
        "revision": record["revision"],
    }
