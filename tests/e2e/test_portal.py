"""The portal's screens in Debian's Chromium, driven by Playwright as a user clicks them,
against the running stack (demo data: admin1 administers California group 230001).

Screenshots of each main screen go to test-artifacts/ (git-ignored)."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.async_api import Page, expect

from tests.e2e.browser import CONFIRMATION, open_page, reload_until_shown, shot, sign_in_as
from tests.support import member, plain_workbook, workbook

pytestmark = pytest.mark.e2e


async def drop_file(page: Page, selector: str, name: str, data: bytes) -> None:
    """Drops a file on the drop area, as dragging it from the desktop does."""
    transfer = await page.evaluate_handle(
        """([name, b64]) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const dt = new DataTransfer();
            dt.items.add(new File([bytes], name, { type: "application/octet-stream" }));
            return dt;
        }""",
        [name, base64.b64encode(data).decode()],
    )
    await page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


async def row_action(page: Page, row_text: str, action: str) -> None:
    """Opens the Actions menu of the row holding this text and picks an action."""
    row = page.locator("tr", has_text=row_text)
    await row.get_by_role("button", name=re.compile("^Actions for row")).click()
    await row.get_by_role("menuitem", name=action).click()


async def test_an_administrator_enrolls_members_through_every_screen(browser, ready_stack, tmp_path):
    page, complaints = await open_page(browser, ready_stack.gateway_url)

    # Sign-in: a wrong password is refused in words, next to the form.
    await page.get_by_label("User name").fill("admin1")
    await page.get_by_label("Password").fill("wrong")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#sign-in-error")).to_have_text("Wrong user name or password.")
    await shot(page, "01-sign-in")
    await sign_in_as(page, "admin1")
    await expect(page.locator("#who")).to_have_text("Alex Admin (CA) · Group administrator")
    await expect(page.locator("header").get_by_role("link", name="Home", exact=True)).to_be_visible()

    # Home (an administrator's: their group's page) → Manage Members: the seeded members, last four only.
    await expect(page.get_by_role("heading", name="Group information", exact=True)).to_be_visible()
    await page.get_by_role("link", name="Manage Members").first.click()
    await expect(page.get_by_role("heading", name="Manage Members")).to_be_visible()
    members = page.locator("#members tbody tr")
    await expect(members.first).to_be_visible()
    ssns = await page.locator("#members tbody td:nth-child(4)").all_inner_texts()
    assert ssns and all(re.fullmatch(r"\*\*\*-\*\*-\d{4}", s) for s in ssns), ssns
    first_name = (await page.locator("#members tbody td:first-child").first.inner_text()).split()[0]
    await page.get_by_label("Search members").fill(first_name)
    await page.get_by_role("button", name="Search").click()
    await expect(page).to_have_url(re.compile(r"\?q="))
    await expect(members.filter(has_not_text=first_name)).to_have_count(0)
    await expect(members.first).to_contain_text(first_name)
    # A full SSN is never searched for (nor put in the address): said next to the box.
    await page.get_by_label("Search members").fill("123-45-6789")
    await page.get_by_role("button", name="Search").click()
    await expect(page.locator("#members-search-error")).to_contain_text("never enter a full SSN")
    assert "6789" not in page.url
    await shot(page, "02-manage-members")

    # Mass Enrollment (upper right): the template for the group, prefilled.
    await page.get_by_role("link", name="Mass Enrollment", exact=True).click()
    await expect(page.get_by_label("Group ID").first).to_have_value("230001")
    async with page.expect_download() as downloading:
        await page.locator("#template-form").get_by_role("button", name="Download Template").click()
    template = (await (await downloading.value).path()).read_bytes()
    assert load_workbook(io.BytesIO(template))["Enrollment Data"]["B2"].value is not None
    await shot(page, "03-mass-enrollment")

    # Fill it: three ready, two with errors, one rejected (a subgroup the group does not have),
    # and one named like markup (shown as text, never run).
    rows = [
        member(7001),
        member(7002),
        member(7003, first_name="<img src=x onerror=alert(1)>"),
        member(7004, ssn="12-34"),
        member(7005, zip="ABCDE"),
        member(7006, subgroup_id="0077"),
    ]
    filled = workbook(rows, base=template)
    await drop_file(page, "#drop", "golden-gate-members.xlsx", filled)
    await expect(page.locator("#chosen-file")).to_contain_text("golden-gate-members.xlsx")
    await expect(page.locator("#chosen-file")).to_contain_text("KB")
    await page.get_by_role("button", name="Upload Members").click()
    dialog = page.get_by_role("dialog", name="Upload complete")
    await expect(dialog).to_be_visible(timeout=30_000)
    await expect(dialog).to_contain_text("3 application(s) ready to submit, 2 with errors, 1 rejected.")
    await shot(page, "04-upload-complete")
    await dialog.get_by_role("button", name="Close").click()

    # The upload's page: three tabs with counts, rows in sheet order.
    await expect(page.get_by_role("tab", name="Ready (3)")).to_have_attribute("aria-selected", "true")
    await expect(page.get_by_role("tab", name="Error (2)")).to_be_visible()
    await expect(page.get_by_role("tab", name="Rejected (1)")).to_be_visible()
    ready_rows = page.locator("#tab-panel tbody tr")
    await expect(ready_rows).to_have_count(3)
    assert [int(t) for t in await page.locator("#tab-panel tbody td:first-child").all_inner_texts()] == [4, 5, 6]
    await expect(page.locator("#tab-panel")).to_contain_text("<img src=x onerror=alert(1)>")
    await expect(page.locator("#tab-panel")).to_contain_text("***-**-8001")
    upload_url = page.url
    await shot(page, "05-ready-tab")

    # Rejected: View Reason, then Delete (confirmed).
    await page.get_by_role("tab", name="Rejected (1)").click()
    await row_action(page, "Last7006", "View Reason")
    reason = page.get_by_role("dialog")
    await expect(reason).to_contain_text("0077")
    await shot(page, "06-rejected-reason")
    await reason.get_by_role("button", name="Close").click()
    await row_action(page, "Last7006", "Delete")
    confirm = page.get_by_role("dialog", name="Delete application")
    await confirm.get_by_role("button", name="Delete").click()
    await expect(page.locator("#upload-message")).to_contain_text("was deleted")
    await expect(page.get_by_role("tab", name="Rejected (0)")).to_be_visible(timeout=15_000)

    # Error: the issues in words; save one for later; fix the other in the edit form.
    await page.get_by_role("tab", name=re.compile(r"^Error")).click()
    await expect(page.locator("#tab-panel")).to_contain_text("SSN")
    await shot(page, "07-error-tab")
    await row_action(page, "Last7005", "Save for Later")
    await expect(page.locator("#upload-message")).to_contain_text("saved for later")
    await row_action(page, "Last7004", "Edit")
    await expect(page.get_by_role("heading", name="Edit application")).to_be_visible()
    ssn = page.get_by_role("textbox", name=re.compile(r"^SSN"))
    await expect(ssn).to_have_attribute("aria-invalid", "true")
    await expect(page.locator('[data-column="ssn"] .field-error')).to_contain_text("SSN")
    await expect(page.get_by_role("button", name="Submit Application")).to_be_disabled()
    await shot(page, "08-edit-with-errors")
    await ssn.fill("234-56-8004")
    await page.get_by_role("button", name="Save Changes").click()
    await expect(page.locator("#application-message")).to_have_text(
        "Saved. The application is ready to submit.", timeout=20_000
    )
    await expect(page.locator("#application-status")).to_contain_text("Ready")
    # An edit keeps the cells it did not name.
    await expect(page.get_by_role("textbox", name=re.compile(r"^First Name"))).to_have_value("First7004")

    # A Member Arbitration Agreement (California): attach a PDF, see it attached.
    pdf = tmp_path / "agreement.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    await page.get_by_label("Agreement (PDF)").set_input_files(pdf)
    await page.get_by_role("button", name="Attach Agreement").click()
    await expect(page.locator("#agreement-attached")).to_contain_text("agreement.pdf")
    await shot(page, "09-edit-ready-agreement")

    # Saved for Later: the saved one with its days left; open it to continue.
    await page.get_by_role("link", name="Saved for Later").click()
    saved = page.locator("#saved tbody tr", has_text="First7005")
    await expect(saved).to_contain_text(re.compile(r"(29|30) days left"))
    await shot(page, "10-saved-for-later")
    await saved.get_by_role("link", name="Continue").click()
    await expect(page.get_by_role("textbox", name=re.compile(r"^ZIP"))).to_have_value("ABCDE")

    # Back to the upload: Submit Ready Applications (confirmed) → how many, and each confirmation ID.
    await page.goto(upload_url)
    await expect(page.get_by_role("tab", name="Ready (4)")).to_be_visible(timeout=15_000)
    await page.get_by_role("button", name="Submit Ready Applications").click()
    await page.get_by_role("dialog", name="Submit Ready Applications").get_by_role("button", name="Submit").click()
    done = page.get_by_role("dialog", name="Applications submitted")
    await expect(done).to_contain_text("4 application(s) were submitted successfully.")
    ids = CONFIRMATION.findall(await done.inner_text())
    assert len(set(ids)) == 4, ids
    await shot(page, "11-submitted")
    await done.get_by_role("button", name="Close").click()

    # Transaction History: the submissions with their confirmation IDs, Pending KP Review.
    await page.get_by_role("link", name="Transaction History").click()
    for confirmation in ids:
        await reload_until_shown(page, "Transaction History", confirmation)
    await expect(page.locator("#transactions")).to_contain_text("Pending KP Review")
    await shot(page, "12-transaction-history")

    # My uploads: this upload with its counts, to come back to.
    await page.get_by_role("link", name="My uploads").click()
    line = page.locator("#uploads tbody tr", has_text="golden-gate-members.xlsx").first
    await expect(line).to_be_visible()
    await shot(page, "13-my-uploads")
    await line.get_by_role("link").click()
    await expect(page.get_by_role("tab", name=re.compile(r"^Ready"))).to_be_visible()

    # Sign out: back to the sign-in form, and the API no longer answers this page.
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert complaints == [], complaints


async def test_a_broker_sees_their_groups_only_and_no_agreement_outside_california_and_hawaii(
    browser, ready_stack, sign_in
):
    page, complaints = await open_page(browser, ready_stack.gateway_url)
    await sign_in_as(page, "broker1")
    await expect(page.locator("#who")).to_have_text("Dana Broker · Broker")
    await page.goto(f"{ready_stack.gateway_url}/#/groups")  # every group of theirs on one list
    rows = page.locator("#group-rows tr")
    await expect(rows.first).to_be_visible()
    mine = {g["group_id"] for g in (await (await sign_in("broker1")).get("/api/v1/groups")).json()}
    theirs = {g["group_id"] for g in (await (await sign_in("broker2")).get("/api/v1/groups")).json()}
    shown = set(await page.locator("#group-rows td:nth-child(2)").all_inner_texts())
    assert shown == mine and not shown & theirs
    await shot(page, "20-broker-home")

    # Another broker's group by its address: the same words as a group that does not exist.
    other = sorted(theirs)[0]
    await page.goto(f"{ready_stack.gateway_url}/#/groups/{other}/members")
    await expect(page.get_by_role("alert")).to_have_text(f"Group {other} not found.")

    # A Colorado group of theirs: upload one member, open it; no arbitration agreement offered.
    groups = (await (await sign_in("broker1")).get("/api/v1/groups")).json()
    colorado = next(g for g in groups if g["region"] == "CO" and g["subgroups"])
    await page.goto(f"{ready_stack.gateway_url}/#/groups/{colorado['group_id']}/mass-enrollment")
    async with page.expect_download() as downloading:
        await page.locator("#template-form").get_by_role("button", name="Download Template").click()
    template = (await (await downloading.value).path()).read_bytes()
    subgroup = colorado["subgroups"][0]["subgroup_id"]
    filled = workbook([member(7101, subgroup_id=subgroup, state="CO")], base=template)
    await page.locator("#members-file").set_input_files(
        files=[{"name": "colorado.xlsx", "mimeType": "application/octet-stream", "buffer": filled}]
    )
    await page.get_by_role("button", name="Upload Members").click()
    dialog = page.get_by_role("dialog", name="Upload complete")
    await expect(dialog).to_contain_text("1 application(s) ready to submit", timeout=30_000)
    await dialog.get_by_role("button", name="Close").click()
    await row_action(page, "Last7101", "Edit")
    await expect(page.get_by_role("heading", name="Edit application")).to_be_visible()
    await expect(page.locator("#application-status")).to_contain_text("Ready")
    await expect(page.locator("#arbitration")).to_have_count(0)

    # The same file again: recognised, with a link to the earlier upload.
    await page.goto(f"{ready_stack.gateway_url}/#/groups/{colorado['group_id']}/mass-enrollment")
    await page.locator("#members-file").set_input_files(
        files=[{"name": "colorado.xlsx", "mimeType": "application/octet-stream", "buffer": filled}]
    )
    await page.get_by_role("button", name="Upload Members").click()
    await expect(page.locator("#upload-error")).to_contain_text("already uploaded")
    await page.locator("#upload-error").get_by_role("link", name="Open the earlier upload").click()
    await expect(page.get_by_role("tab", name="Ready (1)")).to_be_visible()

    # Submitted from the tab, and found in the group's Transaction History.
    await page.get_by_role("button", name="Submit Ready Applications").click()
    await page.get_by_role("dialog", name="Submit Ready Applications").get_by_role("button", name="Submit").click()
    done = page.get_by_role("dialog", name="Applications submitted")
    await expect(done).to_contain_text("1 application(s) were submitted successfully.")
    (confirmation,) = CONFIRMATION.findall(await done.inner_text())
    await done.get_by_role("link", name="Transaction History").click()
    await expect(page.get_by_role("heading", name="Transaction History")).to_be_visible()
    await expect(done).to_have_count(0)

    await reload_until_shown(page, "Transaction History", confirmation)
    assert complaints == [], complaints


async def test_menus_and_dialogs_work_from_the_keyboard(browser, ready_stack, sign_in):
    admin = await sign_in("admin1")
    (group,) = (await admin.get("/api/v1/groups")).json()
    template = await admin.get(
        f"/api/v1/groups/{group['group_id']}/mass-enrollment/template", params={"region": group["region"]}
    )
    answer = await admin.post(
        f"/api/v1/groups/{group['group_id']}/mass-enrollment/uploads",
        data={"region": group["region"], "group_name": group["name"]},
        files={"file": ("keys.xlsx", workbook([member(7201, ssn="bad")], base=template.content))},
    )
    upload_id = answer.json()["upload_id"]

    page, complaints = await open_page(browser, ready_stack.gateway_url)
    await sign_in_as(page, "admin1")
    await page.goto(f"{ready_stack.gateway_url}/#/uploads/{upload_id}?tab=ready")
    await expect(page.get_by_role("tab", name="Error (1)")).to_be_visible(timeout=30_000)
    # Arrow keys move between the tabs.
    await page.get_by_role("tab", name=re.compile("^Ready")).focus()
    await page.keyboard.press("ArrowRight")
    await expect(page.get_by_role("tab", name="Error (1)")).to_have_attribute("aria-selected", "true")
    # The Actions menu: opened with ArrowDown, moved with arrows, closed with Escape (focus comes back).
    menu = page.get_by_role("button", name=re.compile("^Actions for row"))
    await menu.focus()
    await page.keyboard.press("ArrowDown")
    await expect(page.get_by_role("menuitem", name="Edit")).to_be_focused()
    await page.keyboard.press("ArrowDown")
    await expect(page.get_by_role("menuitem", name="Delete")).to_be_focused()
    await page.keyboard.press("Escape")
    await expect(page.get_by_role("menu")).to_be_hidden()
    await expect(menu).to_be_focused()
    # A confirmation dialog: focus on Cancel first, Escape cancels, nothing is deleted.
    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Delete application")
    await expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    await page.keyboard.press("Escape")
    await expect(dialog).to_have_count(0)
    await expect(page.get_by_role("tab", name="Error (1)")).to_be_visible()
    # The focus is visible: an outline drawn around the focused control.
    outline = await menu.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
    assert complaints == [], complaints


async def too_wide(page: Page) -> list[str]:
    """What sticks out on the right of a 390 px screen, to say what to fix."""
    return await page.evaluate(
        """() => [...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > 391)
            .slice(0, 5)
            .map((e) => `${e.tagName}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)"""
    )


async def test_the_screens_fit_a_phone(browser, ready_stack):
    page, complaints = await open_page(browser, ready_stack.gateway_url, width=390, height=844)
    await sign_in_as(page, "admin1")
    await expect(page.get_by_role("heading", name="Group information", exact=True)).to_be_visible()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390, await too_wide(page)
    await shot(page, "32-phone-group-page")
    await page.get_by_role("link", name="Manage Members").first.click()
    await expect(page.get_by_role("heading", name="Manage Members")).to_be_visible()
    await expect(page.locator("#members tbody tr").first).to_be_visible()
    # Wide tables scroll inside their box; the page itself does not scroll sideways.
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390, await too_wide(page)
    await shot(page, "30-phone-manage-members")
    await page.get_by_role("link", name="Mass Enrollment", exact=True).click()
    await expect(page.get_by_role("button", name="Upload Members")).to_be_visible()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390, await too_wide(page)
    await shot(page, "31-phone-mass-enrollment")
    assert complaints == [], complaints


async def test_the_api_documentation_comes_from_local_assets(browser, ready_stack):
    page, complaints = await open_page(browser, f"{ready_stack.gateway_url}/docs")
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(ready_stack.gateway_url) else None)
    await page.reload()
    await expect(page.get_by_text("/api/v1/mass-enrollment/columns").first).to_be_visible(timeout=15_000)
    assert outside == []
    assert not [c for c in complaints if "Content Security Policy" in c], complaints


async def test_a_refused_file_shows_the_reason_next_to_the_form(browser, ready_stack):
    page, complaints = await open_page(browser, ready_stack.gateway_url)
    await sign_in_as(page, "broker2")
    await page.goto(f"{ready_stack.gateway_url}/#/groups")
    await page.get_by_role("link", name="Mass Enrollment").first.click()
    await page.locator("#members-file").set_input_files(
        files=[
            {
                "name": "members.xlsx",
                "mimeType": "application/octet-stream",
                "buffer": plain_workbook([member(1)], sheet="Sheet1"),
            }
        ]
    )
    await page.get_by_role("button", name="Upload Members").click()
    await expect(page.locator("#upload-error")).to_contain_text("no sheet named 'Enrollment Data'")
    # Nothing chosen: said before anything is sent.
    await page.reload()
    await page.get_by_role("button", name="Upload Members").click()
    await expect(page.locator("#upload-error")).to_contain_text("Choose the completed template")
    assert complaints == [], complaints


async def test_the_error_report_downloaded_fixed_and_uploaded_again_comes_back_ready(browser, ready_stack, sign_in):
    """Download the Error tab as the highlighted spreadsheet, fix it, upload it again: the fixed
    rows are Ready and replace the error applications they came from; then withdraw an upload."""
    admin = await sign_in("admin1")
    (group,) = (await admin.get("/api/v1/groups")).json()
    template = await admin.get(
        f"/api/v1/groups/{group['group_id']}/mass-enrollment/template", params={"region": group["region"]}
    )
    page, complaints = await open_page(browser, ready_stack.gateway_url)
    await sign_in_as(page, "admin1")
    await page.goto(f"{ready_stack.gateway_url}/#/groups/{group['group_id']}/mass-enrollment")
    rows = [member(7301), member(7302, zip="12"), member(7303, gender="Z")]
    await drop_file(page, "#drop", "round-trip.xlsx", workbook(rows, base=template.content))
    await page.get_by_role("button", name="Upload Members").click()
    dialog = page.get_by_role("dialog", name="Upload complete")
    await expect(dialog).to_contain_text("1 application(s) ready to submit, 2 with errors, 0 rejected.", timeout=30_000)
    await dialog.get_by_role("button", name="Close").click()
    await page.get_by_role("tab", name="Error (2)").click()
    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Download Error Report").click()
    download = await downloading.value
    assert download.suggested_filename.endswith(".xlsx")
    report = load_workbook(io.BytesIO((await download.path()).read_bytes()))
    ws = report["Enrollment Data"]
    headers = [c.value for c in ws[3]]
    # The bad cells are highlighted and commented; the user corrects them.
    fixed = 0
    for row in ws.iter_rows(min_row=4, max_row=5):
        for cell in row:
            if cell.comment is not None:
                header = headers[cell.column - 1]
                cell.value = {"ZIP Code": "94612", "Gender": "M"}[header]
                fixed += 1
    assert fixed == 2
    out = io.BytesIO()
    report.save(out)

    await page.goto(f"{ready_stack.gateway_url}/#/groups/{group['group_id']}/mass-enrollment")
    await drop_file(page, "#drop", "round-trip-fixed.xlsx", out.getvalue())
    await page.get_by_role("button", name="Upload Members").click()
    dialog = page.get_by_role("dialog", name="Upload complete")
    await expect(dialog).to_contain_text("2 application(s) ready to submit, 0 with errors, 0 rejected.", timeout=30_000)
    await expect(dialog.locator("#replaced-note")).to_contain_text("fixed error report")
    await shot(page, "14-fixed-report-uploaded")
    await dialog.get_by_role("button", name="Close").click()
    await expect(page.get_by_role("tab", name="Ready (2)")).to_be_visible()
    await expect(page.locator("#replaced-note")).to_contain_text("replaced 2 of the 2", timeout=15_000)

    # The first upload: its Error tab empty now. Withdraw it (confirmed): its ready one goes too.
    await page.locator("#replaced-note").get_by_role("link").click()
    await expect(page.locator("#upload-summary")).to_contain_text("round-trip.xlsx: ")
    await expect(page.get_by_role("tab", name="Error (0)")).to_be_visible(timeout=15_000)
    await page.get_by_role("button", name="Withdraw Upload").click()
    await page.get_by_role("dialog", name="Withdraw this upload").get_by_role("button", name="Withdraw").click()
    await expect(page.locator("#upload-message")).to_have_text("1 application(s) withdrawn.")
    await page.get_by_role("tab", name=re.compile("^Ready")).click()
    await expect(page.get_by_role("tab", name="Ready (0)")).to_be_visible(timeout=15_000)
    assert complaints == [], complaints


async def test_enroll_a_member_in_a_form(browser, ready_stack):
    page, complaints = await open_page(browser, ready_stack.gateway_url)
    await sign_in_as(page, "admin1")
    await page.get_by_role("link", name="Manage Members").first.click()
    await page.get_by_role("link", name="Enroll a Member").click()
    await expect(page.get_by_role("heading", name="Enroll a Member")).to_be_visible()
    one = member(7401, ssn="12-3")
    form = page.locator("#enroll-form")
    for key, value in one.items():
        field = form.locator(f"#cell-{key}")
        if await field.evaluate("el => el.tagName") == "SELECT":
            await field.select_option(value)
        else:
            await field.fill(value)
    await page.get_by_role("button", name="Enroll Member").click()
    # The same rules as a spreadsheet row: the bad SSN is named beside its field.
    await expect(page.get_by_role("heading", name="Edit application")).to_be_visible(timeout=30_000)
    await expect(page.locator("#application-status")).to_contain_text("Error")
    await expect(page.locator('[data-column="ssn"] .field-error')).to_contain_text("SSN")
    await page.get_by_role("textbox", name=re.compile(r"^SSN")).fill("234-56-8401")
    await page.get_by_role("button", name="Save Changes").click()
    await expect(page.locator("#application-message")).to_have_text(
        "Saved. The application is ready to submit.", timeout=20_000
    )
    await page.get_by_role("button", name="Submit Application").click()
    await expect(page.locator("#application-message")).to_contain_text(CONFIRMATION)
    await shot(page, "15-enrolled-in-a-form")
    assert complaints == [], complaints


async def test_a_kp_reviewer_reads_but_is_offered_no_enrollment_action(browser, ready_stack, sign_in):
    admin = await sign_in("admin1")
    (group,) = (await admin.get("/api/v1/groups")).json()
    template = await admin.get(
        f"/api/v1/groups/{group['group_id']}/mass-enrollment/template", params={"region": group["region"]}
    )
    answer = await admin.post(
        f"/api/v1/groups/{group['group_id']}/mass-enrollment/uploads",
        data={"region": group["region"], "group_name": group["name"]},
        files={"file": ("reviewed.xlsx", workbook([member(7501)], base=template.content))},
    )
    upload_id = answer.json()["upload_id"]

    page, complaints = await open_page(browser, ready_stack.gateway_url)
    await sign_in_as(page, "reviewer1")
    await expect(page.locator("#who")).to_have_text("Riley Reviewer · KP reviewer")
    await page.goto(f"{ready_stack.gateway_url}/#/groups/{group['group_id']}/members")
    await expect(page.get_by_role("heading", name="Manage Members")).to_be_visible()
    await expect(page.get_by_role("link", name="Mass Enrollment", exact=True)).to_have_count(0)
    await expect(page.get_by_role("link", name="Enroll a Member")).to_have_count(0)
    await page.goto(f"{ready_stack.gateway_url}/#/uploads/{upload_id}")
    await expect(page.get_by_role("tab", name="Ready (1)")).to_be_visible(timeout=30_000)
    await expect(page.locator("#tab-panel tbody tr")).to_have_count(1)
    await expect(page.get_by_role("button", name=re.compile("^Actions"))).to_have_count(0)
    await expect(page.get_by_role("button", name="Submit Ready Applications")).to_have_count(0)
    await expect(page.get_by_role("button", name="Withdraw Upload")).to_have_count(0)
    assert complaints == [], complaints


AXE = Path(__file__).resolve().parents[2] / "services/gateway/web/node_modules/axe-core/axe.min.js"


async def accessibility_problems(page: Page) -> list[str]:
    """What axe-core (from the registry, pinned in the web lockfile) finds against WCAG 2 A and AA:
    labels, names, contrast, ARIA roles and states, landmarks, headings."""
    await page.add_script_tag(path=str(AXE))
    return await page.evaluate(
        """async () => (await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa"] } }))
            .violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length}×, e.g. ${v.nodes[0].target})`)"""
    )


async def test_every_screen_passes_an_accessibility_audit(browser, ready_stack, sign_in):
    admin = await sign_in("admin1")
    (group,) = (await admin.get("/api/v1/groups")).json()
    template = await admin.get(
        f"/api/v1/groups/{group['group_id']}/mass-enrollment/template", params={"region": group["region"]}
    )
    rows = [member(7601), member(7602, ssn="1"), member(7603, subgroup_id="0077")]
    answer = await admin.post(
        f"/api/v1/groups/{group['group_id']}/mass-enrollment/uploads",
        data={"region": group["region"], "group_name": group["name"]},
        files={"file": ("audited.xlsx", workbook(rows, base=template.content))},
    )
    upload_id = answer.json()["upload_id"]
    base, gid = ready_stack.gateway_url, group["group_id"]

    # The audit script is added to each page: this context lets it in (the CSP is tested elsewhere).
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = await context.new_page()
    await page.goto(base)
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    problems = {"sign-in": await accessibility_problems(page)}
    await sign_in_as(page, "admin1")
    screens = {
        "home": ("#/", group["name"]),
        "manage members": (f"#/groups/{gid}/members", "Manage Members"),
        "enroll a member": (f"#/groups/{gid}/enroll", "Enroll a Member"),
        "mass enrollment": (f"#/groups/{gid}/mass-enrollment", "Mass Enrollment"),
        "ready tab": (f"#/uploads/{upload_id}?tab=ready", "Mass Enrollment applications"),
        "error tab": (f"#/uploads/{upload_id}?tab=error", "Mass Enrollment applications"),
        "rejected tab": (f"#/uploads/{upload_id}?tab=rejected", "Mass Enrollment applications"),
        "edit": (f"#/applications/{upload_id}-0005", "Edit application"),
        "saved for later": (f"#/groups/{gid}/saved", "Saved for Later"),
        "transaction history": (f"#/groups/{gid}/history", "Transaction History"),
        "my uploads": (f"#/groups/{gid}/uploads", "My uploads"),
    }
    for name, (address, heading) in screens.items():
        await page.goto(f"{base}/{address}")
        await expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=30_000)
        if name.endswith("tab"):
            await expect(page.locator("#tab-panel tbody tr").first).to_be_visible(timeout=30_000)
        problems[name] = await accessibility_problems(page)
    # An open Actions menu and a confirmation dialog too.
    await page.goto(f"{base}/#/uploads/{upload_id}?tab=error")
    await page.get_by_role("button", name=re.compile("^Actions for row")).first.click()
    problems["actions menu"] = await accessibility_problems(page)
    await page.get_by_role("menuitem", name="Delete").click()
    await expect(page.get_by_role("dialog")).to_be_visible()
    problems["confirmation dialog"] = await accessibility_problems(page)
    await context.close()
    assert {name: found for name, found in problems.items() if found} == {}
