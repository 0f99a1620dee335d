"""Through the gateway on the real servers: an edit changes only the cells it
names, an upload is withdrawn and its members come back Ready in the same
file uploaded again, the same file twice is refused as a duplicate, and one
member enrolled in a form is classified as a file's row is."""

import asyncio

import httpx
import pytest

from tests.e2e.conftest import filled_template
from tests.support import eventually, member

pytestmark = pytest.mark.e2e
# Members of these tests: 2600-2699 (one member may hold only one open application).


async def post_file(client: httpx.AsyncClient, group: dict, content: bytes) -> httpx.Response:
    return await client.post(
        f"/api/v1/groups/{group['group_id']}/mass-enrollment/uploads",
        data={"region": group["region"]},
        files={"file": ("members.xlsx", content)},
    )


async def when_complete(client: httpx.AsyncClient, upload_id: str) -> dict:
    async def complete():
        status = (await client.get(f"/api/v1/uploads/{upload_id}")).json()
        return status if status.get("complete") else None

    return await eventually(complete, timeout=60)


async def tab(client: httpx.AsyncClient, upload_id: str, status: str) -> list[dict]:
    answer = await client.get(f"/api/v1/uploads/{upload_id}/applications", params={"status": status})
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


async def application_when(client: httpx.AsyncClient, application_id: str, *statuses: str) -> dict:
    async def settled():
        found = (await client.get(f"/api/v1/applications/{application_id}")).json()
        return found if found.get("status") in statuses else None

    return await eventually(settled, timeout=30)


async def test_an_edit_of_one_cell_keeps_every_other_cell(sign_in):
    admin = await sign_in("admin1")
    (group,) = (await admin.get("/api/v1/groups")).json()
    answer = await post_file(admin, group, await filled_template(admin, group, [member(2600, zip="9461")]))
    assert answer.status_code == 202, answer.text
    await when_complete(admin, answer.json()["upload_id"])
    (error,) = await tab(admin, answer.json()["upload_id"], "error")
    app_id = error["application_id"]
    before = (await admin.get(f"/api/v1/applications/{app_id}")).json()

    unknown = await admin.put(f"/api/v1/applications/{app_id}", json={"cells": {"zip": "94612", "shoe_size": "9"}})
    assert (unknown.status_code, unknown.json()["code"]) == (400, "unknown_cells")
    assert "shoe_size" in unknown.json()["detail"] and "template's columns" in unknown.json()["detail"]

    edited = await admin.put(f"/api/v1/applications/{app_id}", json={"cells": {"zip": "94612", "email": None}})
    assert edited.status_code == 202, edited.text
    after = await application_when(admin, app_id, "ready")
    assert after["cells"] == {**before["cells"], "zip": "94612", "email": None}
    assert after["cells"]["ssn"] == member(2600)["ssn"] and after["cells"]["last_name"] == "Last2600"


async def test_a_withdrawn_upload_lets_its_members_come_back_ready_in_the_same_file(sign_in):
    admin = await sign_in("admin1")
    (group,) = (await admin.get("/api/v1/groups")).json()
    content = await filled_template(admin, group, [member(n) for n in (2610, 2611, 2612)])
    first = (await post_file(admin, group, content)).json()["upload_id"]
    assert (await when_complete(admin, first))["ready"] == 3
    kept = (await tab(admin, first, "ready"))[0]["application_id"]
    assert (await admin.post(f"/api/v1/applications/{kept}/submit")).status_code == 200

    withdrawn = await admin.post(f"/api/v1/uploads/{first}/withdraw")
    assert (withdrawn.status_code, withdrawn.json()) == (200, {"withdrawn": 2, "kept_submitted": 1})
    assert (await admin.get(f"/api/v1/applications/{kept}")).json()["status"] == "submitted"
    assert {(await admin.get(f"/api/v1/applications/{first}-{n:04d}")).json()["status"] for n in (5, 6)} == {"deleted"}
    assert (await admin.post(f"/api/v1/uploads/{first}/withdraw")).json() == {"withdrawn": 0, "kept_submitted": 1}

    # The same file again: no longer a duplicate. Validation releases the
    # withdrawn members' claims when it reads the deletions, so for a moment
    # they may still be "already pending": then that upload is withdrawn too,
    # and the file sent again.
    async def again():
        answer = await post_file(admin, group, content)
        assert answer.status_code == 202, answer.text
        upload_id = answer.json()["upload_id"]
        status = await when_complete(admin, upload_id)
        if status["ready"] == 2:
            return upload_id
        assert (await admin.post(f"/api/v1/uploads/{upload_id}/withdraw")).status_code == 200
        return None

    second = await eventually(again, timeout=90, interval=0.5)
    ready = {a["row_number"] for a in await tab(admin, second, "ready")}
    (rejected,) = await tab(admin, second, "rejected")  # the submitted member is still enrolling
    assert ready == {5, 6} and rejected["row_number"] == 4


async def test_the_same_file_uploaded_twice_is_refused_with_the_first_uploads_id(sign_in):
    admin = await sign_in("admin1")
    (group,) = (await admin.get("/api/v1/groups")).json()
    content = await filled_template(admin, group, [member(2620), member(2621)])
    first = await post_file(admin, group, content)
    assert first.status_code == 202, first.text
    upload_id = first.json()["upload_id"]

    again = await post_file(admin, group, content)
    assert again.status_code == 409, again.text
    body = again.json()
    assert (body["code"], body["upload_id"], body["link"]) == (
        "duplicate_file",
        upload_id,
        f"/api/v1/uploads/{upload_id}",
    )
    assert f"as upload {upload_id}. Open that upload to continue" in body["detail"]
    assert (await admin.get(body["link"])).json()["upload_id"] == upload_id
    status = await when_complete(admin, upload_id)
    assert (status["total_rows"], status["ready"]) == (2, 2)

    # The same new file sent twice at once: one upload, one refusal naming it.
    content = await filled_template(admin, group, [member(2622)])
    answers = await asyncio.gather(*(post_file(admin, group, content) for _ in range(2)))
    assert sorted(a.status_code for a in answers) == [202, 409], [a.text for a in answers]
    accepted = next(a for a in answers if a.status_code == 202).json()["upload_id"]
    assert next(a for a in answers if a.status_code == 409).json()["upload_id"] == accepted


async def test_a_member_enrolled_in_the_form_is_classified_as_a_files_row(sign_in):
    admin = await sign_in("admin1")
    (group,) = (await admin.get("/api/v1/groups")).json()
    url = f"/api/v1/groups/{group['group_id']}/members"

    answer = await admin.post(url, json={"region": group["region"], "cells": member(2630)})
    assert answer.status_code == 202, answer.text
    ready = answer.json()
    assert ready["application_id"] == f"{ready['upload_id']}-0001"
    bad = await admin.post(url, json={"region": group["region"], "cells": member(2631, ssn="123-45")})
    assert bad.status_code == 202, bad.text
    bad = bad.json()

    assert (await when_complete(admin, ready["upload_id"]))["ready"] == 1
    (listed,) = await tab(admin, ready["upload_id"], "ready")
    assert (listed["application_id"], listed["row_number"]) == (ready["application_id"], 1)
    assert (await admin.get(f"/api/v1/uploads/{ready['upload_id']}")).json()["file_name"] == "Enroll a Member form"

    assert (await when_complete(admin, bad["upload_id"]))["error"] == 1
    (error,) = await tab(admin, bad["upload_id"], "error")
    assert error["application_id"] == bad["application_id"]
    assert [(i["row"], i["column"]) for i in error["issues"]] == [(1, "SSN")]

    refused = await admin.post(url, json={"region": group["region"], "cells": {**member(2632), "shoe_size": "9"}})
    assert (refused.status_code, refused.json()["code"]) == (400, "unknown_cells")
    assert "shoe_size" in refused.json()["detail"]
