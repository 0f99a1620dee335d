"""Manage Members and My uploads: a group's lists, for whoever may see the group."""

from __future__ import annotations

import httpx
import pytest

from services.gateway.tests.conftest import SignIn
from services.gateway.tests.fakes import FakeServices, json_answer

MEMBER = {"member_id": "M1", "first_name": "Ana", "last_name": "Lee", "relationship": "Subscriber", "ssn_last4": "6789"}
BAD_SEARCH = {"detail": "Search by a member's name, or the last four digits of their SSN.", "code": "bad_member_search"}


@pytest.fixture
def fake(fake: FakeServices) -> FakeServices:
    """The fakes, with the dashboard's two lists: G1's uploads (its upload
    service's records say which it gave up) and one member in each group."""
    answer = fake.answer

    def with_lists(service: str, request: httpx.Request, *path: str) -> httpx.Response | None:
        match (service, request.method, *path):
            case ("dashboard", "GET", "groups", group_id, "uploads"):
                mine = [p | {"complete": p.get("complete", True)} for p in fake.progress.values()]
                items = [p for p in mine if p["group_id"] == group_id]
                return json_answer({"items": items, "total": len(items), **request.url.params})
            case ("dashboard", "GET", "groups", group_id, "members"):
                if request.url.params.get("q") == "123-45-6789":
                    return httpx.Response(400, json=BAD_SEARCH)
                return json_answer({"items": [MEMBER | {"group": group_id}], "total": 1, **request.url.params})
        return answer(service, request, *path)

    fake.answer = with_lists  # type: ignore[method-assign]
    return fake


@pytest.mark.parametrize("lists", ["members", "uploads"])
async def test_another_tenants_group_answers_404_like_an_unknown_one_and_asks_no_list(sign_in: SignIn, fake, lists):
    broker1, admin2 = await sign_in("broker1"), await sign_in("admin2")
    for client, others in ((broker1, "G2"), (admin2, "G1")):
        theirs, unknown = [await client.get(f"/api/v1/groups/{g}/{lists}") for g in (others, "G7")]
        assert (theirs.status_code, theirs.json()["detail"]) == (404, f"Group {others} not found.")
        assert unknown.status_code == 404 and unknown.json()["code"] == theirs.json()["code"]
    assert not [r for r in fake.sent("dashboard") if r.url.path.endswith(f"/{lists}")]
    for client, group_id in ((broker1, "G1"), (admin2, "G2"), (await sign_in("reviewer1"), "G1")):
        assert (await client.get(f"/api/v1/groups/{group_id}/{lists}")).status_code == 200


async def test_members_are_forwarded_with_paging_and_the_search(sign_in: SignIn, fake: FakeServices):
    broker1 = await sign_in("broker1")
    answer = await broker1.get("/api/v1/groups/G1/members", params={"page": 2, "page_size": 50, "q": "lee"})
    assert answer.status_code == 200 and answer.json()["items"] == [MEMBER | {"group": "G1"}]
    (asked,) = [r for r in fake.sent("dashboard") if r.url.path == "/groups/G1/members"]
    assert dict(asked.url.params) == {"page": "2", "page_size": "50", "q": "lee"}

    # The dashboard's refusal reaches the caller as it is; an over-long search reaches no service.
    refused = await broker1.get("/api/v1/groups/G1/members", params={"q": "123-45-6789"})
    assert (refused.status_code, refused.json()) == (400, BAD_SEARCH)
    fake.requests.clear()
    too_long = await broker1.get("/api/v1/groups/G1/members", params={"q": "x" * 101})
    assert too_long.status_code == 422 and not [r for r in fake.requests if r.url.path.endswith("/members")]


async def test_my_uploads_say_which_ones_the_upload_service_gave_up(sign_in: SignIn, fake: FakeServices):
    for upload_id in ("U3", "U4"):
        fake.add_upload(upload_id, "G1")
        fake.progress[upload_id] |= {"complete": False, "status": "processing"}
    fake.uploads["U4"]["status"] = "failed"
    answer = await (await sign_in("broker1")).get("/api/v1/groups/G1/uploads", params={"page_size": 10})
    assert answer.status_code == 200
    listed = answer.json()
    assert {u["upload_id"]: u.get("status") for u in listed["items"]} == {
        "U1": None,  # complete: the upload service is not asked
        "U3": "processing",
        "U4": "failed",
    }
    assert (listed["total"], listed["page_size"]) == (3, "10")
    asked = {r.url.path for r in fake.sent("upload")}
    assert asked == {"/uploads/U3", "/uploads/U4"}
