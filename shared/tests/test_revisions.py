from shared.revisions import apply_revisions


def _merged(rows, incoming):
    copy = dict(rows)
    apply_revisions(copy, incoming)
    return copy


def test_rows_keep_the_newest_revision_of_each():
    stored = {
        "u1-0004": {"row_number": 4, "status": "saved", "revision": 3, "expires_at": "x"},
        "u1-0005": {"row_number": 5, "status": "error", "revision": 1, "issues": ["bad"]},
    }
    merged = _merged(
        stored,
        [
            ("u1-0004", {"row_number": 4, "status": "ready", "revision": 1}),  # older: ignored
            ("u1-0005", {"row_number": 5, "status": "validating", "revision": 2, "issues": []}),
            ("u1-0006", {"row_number": 6, "status": "rejected", "revision": 1}),
        ],
    )
    assert merged["u1-0004"] == stored["u1-0004"]
    assert merged["u1-0005"] == {"row_number": 5, "status": "validating", "revision": 2, "issues": []}
    assert merged["u1-0006"]["status"] == "rejected"
    assert stored["u1-0005"]["status"] == "error"  # the stored rows are not changed in place
    # The same change again (a redelivery) changes nothing, and fields it lacks are kept.
    again = _merged(merged, [("u1-0004", {"status": "saved", "revision": 3})])
    assert again == merged


def test_within_a_revision_the_later_step_wins_whichever_arrives_first():
    edit = ("a", {"status": "validating", "revision": 2, "step": 0})
    verdict = ("a", {"status": "ready", "revision": 2, "step": 1})
    stored = {"a": {"status": "error", "revision": 1, "step": 1}}
    assert _merged(stored, [edit, verdict])["a"]["status"] == "ready"
    assert _merged(stored, [verdict, edit])["a"]["status"] == "ready"
    assert _merged(stored, [edit])["a"]["status"] == "validating"
