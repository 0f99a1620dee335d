"""The portal page in a real headless Chromium, against the running stack."""

import pytest
from playwright.async_api import async_playwright, expect

from tests.e2e.conftest import filled_template
from tests.support import member, plain_workbook

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
async def page(ready_stack):
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = await browser.new_page()
            await page.goto(ready_stack.gateway_url)
            yield page
        finally:
            await browser.close()


async def test_sign_in_upload_and_see_the_counts(page, tmp_path, sign_in):
    admin = await sign_in("admin1")
    (group,) = (await admin.get("/api/v1/groups")).json()
    members = [member(301), member(302), member(303, ssn="bad"), member(304, subgroup_id="0077")]
    filled = await filled_template(admin, group, members)

    await page.get_by_label("User name").fill("admin1")
    await page.get_by_label("Password").fill("wrong")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#sign-in-error")).to_have_text("Wrong user name or password.")

    await page.get_by_label("Password").fill("demo-password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#group-rows tr")).to_have_count(1)
    await expect(page.locator("#group-rows")).to_contain_text("230001")

    await page.get_by_role("button", name="Mass Enrollment").click()
    await expect(page.get_by_label("Group ID")).to_have_value("230001")
    path = tmp_path / "members.xlsx"
    path.write_bytes(filled)
    await page.locator("input[type=file]").set_input_files(path)
    await page.get_by_role("button", name="Upload Members").click()

    dialog = page.locator("#result-dialog")
    await expect(dialog).to_be_visible(timeout=30_000)
    await expect(dialog).to_contain_text("2 application(s) ready to submit, 1 with errors, 1 rejected.")
    await page.screenshot(path=str(tmp_path / "upload-result.png"))
    await dialog.get_by_role("button", name="Close").click()
    await expect(page.locator("#groups-view")).to_be_visible()


async def test_a_refused_file_shows_the_reason(page, tmp_path):
    await page.get_by_label("User name").fill("broker2")
    await page.get_by_label("Password").fill("demo-password")
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("button", name="Mass Enrollment").first.click()
    path = tmp_path / "members.xlsx"
    path.write_bytes(plain_workbook([member(1)], sheet="Sheet1"))
    await page.locator("input[type=file]").set_input_files(path)
    await page.get_by_role("button", name="Upload Members").click()
    await expect(page.locator("#upload-error")).to_contain_text("no sheet named 'Enrollment Data'")
