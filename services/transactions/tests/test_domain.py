"""The transaction state machine as plain functions: every move it allows,
every one it refuses and why, revisions, step answers, and readable ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.transactions.domain import (
    ACTION_REQUIRED,
    ALPHABET,
    CANCELLED,
    COMPLETED,
    GROUP_ENROLLMENT,
    OPEN,
    PENDING,
    QUOTE,
    RENEWAL,
    Transaction,
    checked_steps,
    dashboard_fields,
    instructions_line,
    is_transaction_id,
    kind_of,
    missing_parts,
    new_transaction_id,
    read_back,
)
from shared.contracts.envelope import Actor
from shared.errors import Conflict, Invalid

BROKER = Actor(user_id="broker1", role="broker")
OTHER_BROKER = Actor(user_id="broker2", role="broker")
ADMIN = Actor(user_id="admin1", role="group_admin")
REVIEWER = Actor(user_id="reviewer1", role="kp_reviewer")
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
QT_ID = "QT-7K3M-2P9X"
COMPLETE_QUOTE = {
    "census": {"zip": "94103", "members": [{"dob": "1980-01-01"}]},
    "plans": {"plan_ids": ["NC-GOLD-80"]},
    "coverage": {"effective_date": "2025-05-01"},
}
ASK = "Upload the signed employer application."


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def quote(steps: dict | None = None) -> Transaction:
    return Transaction.start(QT_ID, QUOTE, BROKER, T0, group_name="Golden Gate Bakery", group_id="230145", steps=steps)


def in_status(status: str) -> Transaction:
    """A complete quote moved to ``status`` along the allowed path."""
    t = quote(COMPLETE_QUOTE)
    if status == OPEN:
        return t
    if status == CANCELLED:
        t.cancel(BROKER, at(1))
        return t
    t.submit(BROKER, at(1))
    if status == COMPLETED:
        t.approve(REVIEWER, at(2))
    elif status == ACTION_REQUIRED:
        t.return_for_action(REVIEWER, at(2), ASK, "Maria Lopez", "1-800-555-0134")
    return t


def do(t: Transaction, move: str, actor: Actor) -> list:
    """Each move with valid input, so only the actor and the status decide."""
    calls = {
        "save": lambda: t.save(actor, at(9), {"census": {"zip": "94110"}}),
        "submit": lambda: t.submit(actor, at(9)),
        "approve": lambda: t.approve(actor, at(9)),
        "return": lambda: t.return_for_action(actor, at(9), ASK, "Maria Lopez", "1-800-555-0134"),
        "continue": lambda: t.continue_(actor, at(9)),
        "cancel": lambda: t.cancel(actor, at(9)),
    }
    return calls[move]()


# --- allowed moves ----------------------------------------------------------------


def test_start_makes_an_open_transaction_at_revision_1_with_its_event():
    t = quote({"census": {"zip": "94103"}})
    assert t.status == OPEN and t.revision == 1
    assert t.record["broker_id"] == "broker1" and t.record["created_by"] == "broker1"
    assert t.record["created_at"] == T0 and t.record["steps"] == {"census": {"zip": "94103"}}
    assert t.record["history"] == [
        {"from": None, "to": OPEN, "by": "broker1", "role": "broker", "at": T0, "note": None}
    ]
    [event] = t.events
    assert (event.type, event.event_id, event.from_status, event.to_status) == (
        "TransactionStarted",
        "QT-7K3M-2P9X:1",
        None,
        OPEN,
    )


@pytest.mark.parametrize(
    ("start", "move", "actor", "end", "event"),
    [
        (OPEN, "save", BROKER, OPEN, "TransactionSaved"),
        (OPEN, "submit", BROKER, PENDING, "TransactionSubmitted"),
        (ACTION_REQUIRED, "submit", BROKER, PENDING, "TransactionSubmitted"),
        (PENDING, "approve", REVIEWER, COMPLETED, "TransactionApproved"),
        (PENDING, "return", REVIEWER, ACTION_REQUIRED, "TransactionReturned"),
        (ACTION_REQUIRED, "continue", BROKER, OPEN, "TransactionContinued"),
        (OPEN, "cancel", BROKER, CANCELLED, "TransactionCancelled"),
        (ACTION_REQUIRED, "cancel", BROKER, CANCELLED, "TransactionCancelled"),
        (OPEN, "submit", ADMIN, PENDING, "TransactionSubmitted"),
        (ACTION_REQUIRED, "cancel", ADMIN, CANCELLED, "TransactionCancelled"),
    ],
)
def test_each_allowed_move_changes_status_once_and_makes_one_event(start, move, actor, end, event):
    t = in_status(start)
    before = t.revision
    [made] = do(t, move, actor)
    assert t.status == end
    assert t.revision == before + 1
    assert (made.type, made.from_status, made.to_status, made.revision) == (event, start, end, before + 1)
    assert made.event_id == f"{QT_ID}:{before + 1}" and made.actor == actor and made.at == at(9)
    assert t.events[-1] is made
    if move != "save":
        assert t.record["history"][-1] == {
            "from": start,
            "to": end,
            "by": actor.user_id,
            "role": actor.role,
            "at": at(9),
            "note": made.note,
        }


def test_the_review_loop_end_to_end_counts_revisions_and_keeps_the_audit():
    t = quote({"census": {"zip": "94103"}})  # 1
    t.save(BROKER, at(1), {"census": {"members": [{"dob": "1990-02-02"}]}, "plans": {"plan_ids": ["B"]}})  # 2
    t.submit(BROKER, at(2), {"coverage": {"effective_date": "2025-05-01"}})  # 3
    assert t.record["submitted_at"] == at(2)
    t.return_for_action(REVIEWER, at(3), ASK, " Maria Lopez ", "800.555.0134")  # 4
    assert t.record["instructions"] == ASK
    assert t.record["reviewer_contact"] == {"name": "Maria Lopez", "phone": "(800) 555-0134"}
    assert instructions_line(t.record) == f"{ASK} Contact: Maria Lopez, (800) 555-0134"
    t.continue_(BROKER, at(4))  # 5
    assert t.status == OPEN and t.record["instructions"] == ASK  # still there while the broker works
    assert instructions_line(t.record) is None  # the dashboard shows instructions only for Action Required
    t.save(BROKER, at(5), {"plans": {"plan_ids": ["C"]}})  # 6
    assert t.status == OPEN
    t.submit(BROKER, at(6))  # 7
    assert t.record["instructions"] is None and t.record["reviewer_contact"] is None
    t.approve(REVIEWER, at(7), note="Approved as quoted.")  # 8
    assert t.status == COMPLETED and t.revision == 8
    assert [e.revision for e in t.events] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert [(h["from"], h["to"], h["by"]) for h in t.record["history"]] == [
        (None, OPEN, "broker1"),
        (OPEN, PENDING, "broker1"),
        (PENDING, ACTION_REQUIRED, "reviewer1"),
        (ACTION_REQUIRED, OPEN, "broker1"),
        (OPEN, PENDING, "broker1"),
        (PENDING, COMPLETED, "reviewer1"),
    ]
    assert t.record["history"][2]["note"] == f"{ASK} Contact: Maria Lopez, (800) 555-0134"
    assert t.record["history"][-1]["note"] == "Approved as quoted."


def test_saving_the_same_answers_or_continuing_an_open_one_changes_nothing():
    t = quote(COMPLETE_QUOTE)
    assert t.save(BROKER, at(1), {"census": {"zip": "94103"}}) == []
    assert t.continue_(BROKER, at(1)) == []
    assert t.revision == 1 and len(t.events) == 1 and t.record["updated_at"] == T0


# --- refused moves ---------------------------------------------------------------------

STATUS_REFUSALS = [
    (OPEN, "approve", REVIEWER, "cannot_approve", "only a transaction Pending KP Review is approved or returned"),
    (OPEN, "return", REVIEWER, "cannot_return", "only a transaction Pending KP Review"),
    (ACTION_REQUIRED, "approve", REVIEWER, "cannot_approve", "it is reviewed again once the broker resubmits it"),
    (ACTION_REQUIRED, "return", REVIEWER, "cannot_return", "once the broker resubmits it"),
    (ACTION_REQUIRED, "save", BROKER, "cannot_save", "continue it first (it becomes Open again)"),
    (PENDING, "save", BROKER, "cannot_save", "Wait for KP's decision"),
    (PENDING, "submit", BROKER, "cannot_submit", "Wait for KP's decision"),
    (PENDING, "continue", BROKER, "cannot_continue", "Wait for KP's decision"),
    (PENDING, "cancel", BROKER, "cannot_cancel", "Wait for KP's decision"),
    (COMPLETED, "cancel", BROKER, "cannot_cancel", "Start a new quote for any further change."),
    (COMPLETED, "save", BROKER, "cannot_save", "Start a new quote"),
    (COMPLETED, "submit", BROKER, "cannot_submit", "Start a new quote"),
    (COMPLETED, "continue", BROKER, "cannot_continue", "Start a new quote"),
    (COMPLETED, "approve", REVIEWER, "cannot_approve", "KP approved it"),
    (COMPLETED, "return", REVIEWER, "cannot_return", "KP approved it"),
    *[
        (CANCELLED, move, actor, "transaction_cancelled", "it was withdrawn and is no longer in the history")
        for move, actor in [
            ("save", BROKER),
            ("submit", BROKER),
            ("continue", BROKER),
            ("cancel", BROKER),
            ("approve", REVIEWER),
            ("return", REVIEWER),
        ]
    ],
]


@pytest.mark.parametrize(("status", "move", "actor", "code", "says"), STATUS_REFUSALS)
def test_each_move_from_a_wrong_status_is_a_conflict_naming_the_status_and_fix(status, move, actor, code, says):
    t = in_status(status)
    before = dict(t.record)
    with pytest.raises(Conflict) as refused:
        do(t, move, actor)
    assert refused.value.code == code
    assert refused.value.detail.startswith(f"Quote {QT_ID} is {status} and cannot be ")
    assert says in refused.value.detail
    assert refused.value.extra["status"] == status
    assert t.record == before  # a refusal changes nothing


def test_cancelling_a_completed_transaction_says_why_in_full():
    with pytest.raises(Conflict) as refused:
        in_status(COMPLETED).cancel(BROKER, at(9))
    assert refused.value.detail == (
        "Quote QT-7K3M-2P9X is Completed and cannot be cancelled: "
        "KP approved it, so it stays as approved. Start a new quote for any further change."
    )
    assert refused.value.extra == {"status": COMPLETED, "allowed_from": [OPEN, ACTION_REQUIRED]}


@pytest.mark.parametrize("move", ["approve", "return"])
@pytest.mark.parametrize("actor", [BROKER, OTHER_BROKER, ADMIN])
@pytest.mark.parametrize("status", [OPEN, PENDING, ACTION_REQUIRED, COMPLETED])
def test_only_a_reviewer_approves_or_returns_anything(move, actor, status):
    t = in_status(status)
    with pytest.raises(Conflict) as refused:
        do(t, move, actor)
    assert refused.value.code == "not_a_reviewer"
    assert refused.value.detail == (
        f"Only a KP reviewer approves or returns a transaction; a {actor.role} cannot ({QT_ID}). "
        "KP reviews it once it is submitted."
    )
    assert t.status == status


@pytest.mark.parametrize("move", ["save", "submit", "continue", "cancel"])
@pytest.mark.parametrize("status", [OPEN, ACTION_REQUIRED])
def test_another_brokers_transaction_is_refused_for_every_broker_move(move, status):
    t = in_status(status)
    with pytest.raises(Conflict) as refused:
        do(t, move, OTHER_BROKER)
    assert refused.value.code == "not_your_transaction"
    assert "only its broker of record can continue, change, submit or cancel it" in refused.value.detail
    assert t.status == status


@pytest.mark.parametrize("move", ["save", "submit", "continue", "cancel"])
def test_a_reviewer_does_not_edit(move):
    with pytest.raises(Conflict) as refused:
        do(in_status(ACTION_REQUIRED), move, REVIEWER)
    assert refused.value.code == "reviewer_cannot_change"
    assert "return it with instructions for the broker instead" in refused.value.detail


def test_a_group_admin_cannot_work_on_a_prospects_quote():
    t = Transaction.start(QT_ID, QUOTE, BROKER, T0, group_name="Prospect LLC")
    with pytest.raises(Conflict) as refused:
        t.save(ADMIN, at(1), {"census": {"zip": "94103"}})
    assert refused.value.code == "not_your_transaction"


# --- incomplete submissions and step answers -------------------------------------------


def test_submitting_an_incomplete_quote_names_each_missing_answer_by_step():
    t = quote({"census": {"zip": "  ", "members": []}, "plans": {"plan_ids": ["A"]}})
    with pytest.raises(Conflict) as refused:
        t.submit(BROKER, at(1))
    assert refused.value.code == "incomplete_transaction"
    assert refused.value.detail == (
        "Quote QT-7K3M-2P9X cannot be submitted yet; missing: census (zip, members); coverage (effective_date). "
        "Fill them in on those steps, save, and submit again."
    )
    assert refused.value.extra == {"missing": {"census": ["zip", "members"], "coverage": ["effective_date"]}}
    assert t.status == OPEN and t.revision == 1


def test_an_incomplete_resubmission_from_action_required_keeps_it_there():
    t = in_status(ACTION_REQUIRED)
    with pytest.raises(Conflict) as refused:
        t.submit(BROKER, at(5), {"plans": {"plan_ids": []}})
    assert refused.value.extra == {"missing": {"plans": ["plan_ids"]}}
    assert t.status == ACTION_REQUIRED and t.record["steps"]["plans"] == {"plan_ids": ["NC-GOLD-80"]}


@pytest.mark.parametrize(
    ("kind", "missing"),
    [
        (QUOTE, {"census": ["zip", "members"], "plans": ["plan_ids"], "coverage": ["effective_date"]}),
        (
            GROUP_ENROLLMENT,
            {
                "group_information": ["legal_name", "address", "contact"],
                "plans": ["plan_ids"],
                "census": ["members"],
                "coverage": ["effective_date"],
            },
        ),
        (RENEWAL, {"renewal_plans": ["plan_ids"], "coverage": ["effective_date"]}),
    ],
)
def test_each_kind_requires_its_steps(kind, missing):
    assert missing_parts(kind, {}) == missing


def test_a_renewal_with_its_plans_and_date_is_complete():
    steps = {"renewal_plans": {"plan_ids": ["S"]}, "coverage": {"effective_date": "2025-07-01"}}
    assert missing_parts(RENEWAL, steps) == {}
    t = Transaction.start("RN-0000-0001", RENEWAL, BROKER, T0, group_name="Bay Dental", group_id="230001", steps=steps)
    [event] = t.submit(BROKER, at(1))
    assert event.kind == RENEWAL and t.status == PENDING


def test_saving_merges_answers_field_by_field_and_step_by_step():
    t = quote({"census": {"zip": "94103", "members": [1]}, "plans": {"plan_ids": ["A"]}})
    t.save(BROKER, at(1), {"census": {"zip": "94110"}, "coverage": {"effective_date": "2025-06-01"}})
    assert t.record["steps"] == {
        "census": {"zip": "94110", "members": [1]},
        "plans": {"plan_ids": ["A"]},
        "coverage": {"effective_date": "2025-06-01"},
    }
    t.save(BROKER, at(2), {"census": {"members": None}})
    assert t.record["steps"]["census"] == {"zip": "94110", "members": None}
    assert missing_parts(QUOTE, t.record["steps"]) == {"census": ["members"]}
    assert t.revision == 3 and t.status == OPEN
    assert len(t.record["history"]) == 1  # saves are events, not audit entries


def test_an_unknown_step_is_refused_with_the_kinds_steps():
    with pytest.raises(Invalid) as refused:
        quote().save(BROKER, at(1), {"renewal_plans": {"plan_ids": ["A"]}})
    assert refused.value.code == "unknown_step"
    assert refused.value.detail == "A Quote has no step renewal_plans; its steps are census, plans, coverage."


# --- starting, and KP's return -------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "error", "code"),
    [
        ({"transaction_id": "ME-0000-0000", "kind": "Mass Enrollment"}, Invalid, "unknown_kind"),
        ({"transaction_id": "EN-0000-0000"}, Invalid, "bad_transaction_id"),
        ({"transaction_id": "RN-0000-0000", "kind": RENEWAL}, Invalid, "group_required"),
        ({"actor": REVIEWER}, Conflict, "reviewer_cannot_change"),
        ({"actor": ADMIN}, Invalid, "group_required"),
        ({"broker_id": "broker2"}, Conflict, "not_your_transaction"),
        ({"group_name": " "}, Invalid, "group_name_required"),
        ({"group_name": "x" * 101}, Invalid, "group_name_too_long"),
        ({"steps": {"plans": ["A"]}}, Invalid, "bad_steps"),
    ],
)
def test_starting_refuses_what_cannot_be_a_transaction(args, error, code):
    given = {"transaction_id": QT_ID, "kind": QUOTE, "actor": BROKER, "group_name": "Golden Gate Bakery", **args}
    with pytest.raises(error) as refused:
        Transaction.start(given.pop("transaction_id"), given.pop("kind"), given.pop("actor"), T0, **given)
    assert refused.value.code == code


def test_an_admin_starts_one_for_their_group_in_its_brokers_book():
    t = Transaction.start(QT_ID, QUOTE, ADMIN, T0, group_name="Bakery", group_id="230145", broker_id="broker1")
    assert (t.record["broker_id"], t.record["created_by"]) == ("broker1", "admin1")
    t.cancel(BROKER, at(1))  # its broker may work on it too
    assert t.status == CANCELLED


@pytest.mark.parametrize(
    ("instructions", "name", "phone", "code"),
    [
        ("", "Maria Lopez", "1-800-555-0134", "instructions_required"),
        ("x" * 1001, "Maria Lopez", "1-800-555-0134", "instructions_too_long"),
        (ASK, "", "1-800-555-0134", "contact_name_required"),
        (ASK, "Maria Lopez", "555-0134", "bad_contact_phone"),
        (ASK, "Maria Lopez", None, "bad_contact_phone"),
        (ASK, "Maria\u202eLopez", "1-800-555-0134", "bad_contact_name"),
    ],
)
def test_a_return_needs_instructions_and_the_representatives_contact(instructions, name, phone, code):
    t = in_status(PENDING)
    with pytest.raises(Invalid) as refused:
        t.return_for_action(REVIEWER, at(5), instructions, name, phone)
    assert refused.value.code == code
    assert t.status == PENDING and t.record["instructions"] is None


def test_instructions_of_exactly_1000_characters_with_line_breaks_are_kept():
    t = in_status(PENDING)
    text = ("a" * 499) + "\n" + ("b" * 500)
    t.return_for_action(REVIEWER, at(5), text, "Maria Lopez", "(415) 555-0134")
    assert t.record["instructions"] == text and len(text) == 1000


def test_dashboard_fields_carry_the_state_as_it_now_is():
    t = in_status(ACTION_REQUIRED)
    assert dashboard_fields(t.record) == {
        "transaction_id": QT_ID,
        "transaction_type": QUOTE,
        "group_id": "230145",
        "group_name": "Golden Gate Bakery",
        "broker_id": "broker1",
        "created_at": T0,
        "created_by": "broker1",
        "status": ACTION_REQUIRED,
        "instructions": f"{ASK} Contact: Maria Lopez, (800) 555-0134",
        "revision": 3,
    }


# --- transaction ids ---------------------------------------------------------------


def fixed(data: bytes):
    return lambda n: data[:n]


@pytest.mark.parametrize(
    ("kind", "data", "expected"),
    [
        (QUOTE, bytes(5), "QT-0000-0000"),
        (GROUP_ENROLLMENT, b"\xff" * 5, "EN-ZZZZ-ZZZZ"),
        # 00000 00001 00010 00011 00100 00101 00110 00111 regrouped into bytes
        (RENEWAL, bytes([0x00, 0x44, 0x32, 0x14, 0xC7]), "RN-0123-4567"),
        # 11000 11001 11010 11011 11100 11101 11110 11111: values 24-31
        (QUOTE, bytes([0xC6, 0x75, 0xBE, 0x77, 0xDF]), "QT-RSTV-WXYZ"),
        # 10000 (16 = G) then 10001 (H) 10010 (J, I skipped) 10011 (K) 10100 (M, L skipped) 10101 (N)
        # 10110 (P, O skipped) 11011 (V, U skipped)
        (QUOTE, bytes([0x84, 0x65, 0x3A, 0x56, 0xDB]), "QT-GHJK-MNPV"),
    ],
)
def test_new_ids_are_the_kinds_prefix_and_8_crockford_characters(kind, data, expected):
    assert new_transaction_id(kind, fixed(data)) == expected


def test_the_alphabet_is_crockfords_without_i_l_o_u():
    assert ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ" and len(set(ALPHABET)) == 32
    assert not set("ILOU") & set(ALPHABET)
    drawn = {new_transaction_id(QUOTE) for _ in range(200)}
    assert all(is_transaction_id(i, (QUOTE,)) for i in drawn) and len(drawn) == 200


def test_an_id_needs_exactly_five_random_bytes():
    with pytest.raises(ValueError):
        new_transaction_id(QUOTE, lambda n: b"\x00" * (n - 1))


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("QT-7K3M-2P9X", True),
        ("EN-0000-ZZZZ", True),
        ("ME-ABCD-EF12", True),
        ("RN-7K3M-2P9X", True),
        ("qt-7k3m-2p9x", False),  # written ids are upper case; read_back takes what people type
        ("QT-7K3M-2P9U", False),
        ("QT-7K3M-2P9O", False),
        ("QT-7K3I-2P9X", False),
        ("QT-7K3L-2P9X", False),
        ("QT-7K3M2P9X", False),
        ("QT-7K3M-2P9X ", False),
        ("XX-7K3M-2P9X", False),
        ("QT-7K3M-2P9", False),
        ("QT-0001", False),
        ("", False),
    ],
)
def test_the_shape_of_an_id(text, valid):
    assert is_transaction_id(text) is valid


def test_id_shape_can_be_limited_to_kinds_and_names_its_kind():
    assert is_transaction_id("ME-ABCD-EF12", (QUOTE, RENEWAL)) is False
    assert kind_of("EN-ABCD-EF12") == GROUP_ENROLLMENT and kind_of("ME-ABCD-EF12") == "Mass Enrollment"
    assert kind_of("QT-0001") is None


@pytest.mark.parametrize(
    ("heard", "written"),
    [
        ("qt 7k3m 2p9x", "QT-7K3M-2P9X"),
        ("QT7K3M2P9X", "QT-7K3M-2P9X"),
        ("QT-7K3M-2P9O", "QT-7K3M-2P90"),
        ("rn-ilo0-1111", "RN-1100-1111"),
        ("QT-7K3M-2P9U", None),
        ("QO-7K3M-2P9X", None),
        ("QT-7K3M-2P9", None),
        ("x" * 41, None),
    ],
)
def test_an_id_read_back_over_the_phone(heard, written):
    assert read_back(heard) == written


@pytest.mark.parametrize(
    "answers",
    [
        {"members": [{"a\x00b": 1}]},
        {"members": 10**30},
        {"$where": "1"},
        {"a.b": 1},
        {"deep": [[[[[[[[1]]]]]]]]},
    ],
)
def test_answers_that_could_not_be_kept_as_sent_are_refused_by_step(answers):
    with pytest.raises(Invalid) as refused:
        checked_steps("Quote", {"census": answers})
    assert refused.value.code == "bad_steps" and refused.value.detail.startswith("Step census:")
