"""Issue 11's screens in Debian's Chromium: the quote form (census, plans, the priced review),
the transaction page with its moves, KP's review queue. The loop as people click it: broker1
quotes a business and submits it; reviewer1 finds it in the queue and returns it with
instructions; broker1 sees Action Required with them, continues, resubmits; reviewer1 approves;
broker1 sees Completed. Also: errors beside their fields, Close and Cancel with their dialogs
(Escape cancels, the focus comes back), the dashboard's message after a cancel, a refused
submit said next to the button, and an accessibility audit of the new screens."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from playwright.async_api import Page, expect

from tests.e2e.browser import open_page, shot, sign_in_as
from tests.e2e.test_portal import accessibility_problems
from tests.support import eventually

pytestmark = pytest.mark.e2e

QUOTE_ID = re.compile(r"QT-[0-9A-Z]{4}-[0-9A-Z]{4}")
EFFECTIVE = date(date.today().year + 1, 1, 1).isoformat()
CENSUS = [
    {
        "date_of_birth": "1980-05-01",
        "dependents": [
            {"relationship": "spouse", "date_of_birth": "1982-07-15"},
            {"relationship": "child", "date_of_birth": "2015-03-10"},
        ],
    },
    {"date_of_birth": "1990-11-20", "dependents": []},
]
PLANS = ["CA-SLV-70", "CA-GLD-80"]


def money(amount: str) -> str:
    whole, cents = amount.split(".")
    return f"${int(whole):,}.{cents}"


async def fill_census(page: Page, employees: list[dict]) -> None:
    """Types a census into Step 1, adding the rows as a user does (the form starts with one employee)."""
    for i, employee in enumerate(employees):
        if i > 0:
            await page.get_by_role("button", name="Add an employee").click()
        await page.locator(f"#q-emp-{i}-dob").fill(employee["date_of_birth"])
        for j, dependent in enumerate(employee["dependents"]):
            await page.get_by_role("button", name=f"Add a dependent to employee {i + 1}").click()
            await page.locator(f"#q-emp-{i}-dep-{j}-rel").select_option(dependent["relationship"])
            await page.locator(f"#q-emp-{i}-dep-{j}-dob").fill(dependent["date_of_birth"])


async def start_quote(page: Page, business: str, region: str, zip_code: str, employees: list[dict]) -> None:
    await expect(page.get_by_role("heading", name="Get a small business quote")).to_be_visible()
    await page.get_by_label("Business name").fill(business)
    await page.get_by_label("Region").select_option(region)
    await page.get_by_label("ZIP code").fill(zip_code)
    await page.get_by_label("Effective date").fill(EFFECTIVE)
    await fill_census(page, employees)


async def dashboard_row(page: Page, transaction_id: str, status: str) -> None:
    """The dashboard's recent transactions once this one shows ``status`` (the history follows events: reload)."""

    async def shown() -> bool:
        await expect(page.locator("#recent h2")).to_be_visible()
        await expect(page.locator("#recent .loading")).to_have_count(0)
        row = page.locator(f'#recent tr[data-transaction="{transaction_id}"]')
        if await row.count() and status in await row.inner_text():
            return True
        await page.reload()
        return False

    await eventually(shown, timeout=30, interval=0.5)


async def test_a_quote_goes_round_the_review_loop_in_the_browser(browser, ready_stack, sign_in):
    base = ready_stack.gateway_url
    business = f"Harbor Bakery {uuid.uuid4().hex[:6]}"
    api = await sign_in("broker1")
    expected = (
        await api.post(
            "/api/v1/quotes",
            json={"region": "CA", "zip": "94110", "effective_date": EFFECTIVE, "employees": CENSUS, "plan_ids": PLANS},
        )
    ).json()

    broker, broker_complaints = await open_page(browser, base)
    await sign_in_as(broker, "broker1")
    await broker.get_by_role("link", name="Get a small business quote").click()
    await start_quote(broker, business, "CA", "9411", CENSUS)
    await expect(broker.locator("#q-emp-1-dob")).to_have_value("1990-11-20")

    # A wrong ZIP is said beside its field, and the field takes the focus.
    await broker.get_by_role("button", name="Next").click()
    await expect(broker.locator("#q-zip-error")).to_contain_text("ZIP code of 5 digits")
    await expect(broker.locator("#q-zip")).to_be_focused()
    await expect(broker.locator("#q-zip")).to_have_attribute("aria-invalid", "true")
    await broker.get_by_label("ZIP code").fill("94110")
    await shot(broker, "50-quote-census")

    # Step 2: the region's plans.
    await broker.get_by_role("button", name="Next").click()
    await expect(broker.get_by_role("heading", name="Step 2 of 3: Plans")).to_be_focused()
    for plan in expected["plans"]:
        await broker.get_by_label(re.compile(f"^{re.escape(plan['name'])} ")).check()
    await shot(broker, "51-quote-plans")

    # Step 3: the priced quote, as the API prices it, per plan and per member.
    await broker.get_by_role("button", name="Next").click()
    await expect(broker.get_by_role("heading", name="Step 3 of 3: Review")).to_be_visible()
    await expect(broker.locator("#quote-notice")).to_have_text(expected["notice"])
    for plan in expected["plans"]:
        section = broker.locator(f'[data-plan="{plan["plan_id"]}"]')
        await expect(section.locator(".monthly-total")).to_have_text(f"Monthly total: {money(plan['monthly_total'])}")
        rows = section.locator("tbody tr")
        await expect(rows).to_have_count(4)
        for row, member in zip(await rows.all(), plan["members"], strict=True):
            await expect(row).to_contain_text(member["label"])
            await expect(row.locator("td").nth(1)).to_have_text(str(member["age"]))
            await expect(row.locator("td").nth(3)).to_have_text(money(member["premium"]))
    await shot(broker, "52-quote-review")

    # Save: the transaction is made, and named.
    await broker.get_by_role("button", name="Save").click()
    await expect(broker.locator("#quote-status")).to_contain_text("Saved as QT-")
    tid = QUOTE_ID.search(await broker.locator("#quote-status").inner_text())[0]
    assert broker.url.endswith(f"#/transactions/{tid}/edit")
    await expect(broker.get_by_role("heading", name=f"Quote {tid}")).to_be_visible()
    saved = (await api.get(f"/api/v1/transactions/{tid}")).json()
    assert saved["status"] == "Open" and saved["group_name"] == business and saved["region"] == "CA"
    assert saved["steps"]["census"]["zip"] == "94110" and len(saved["steps"]["census"]["members"]) == 2
    assert saved["steps"]["plans"]["plan_ids"] == PLANS and saved["steps"]["coverage"]["effective_date"] == EFFECTIVE

    # Submit: the transaction's page, Pending KP Review.
    await expect(broker.get_by_role("button", name="Submit")).to_be_enabled()
    await broker.get_by_role("button", name="Submit").click()
    await expect(broker.get_by_role("heading", name=f"Quote {tid}")).to_be_visible()
    await expect(broker.locator("#transaction-status")).to_have_text("Pending KP Review")
    await expect(broker.locator("#transaction-notice")).to_contain_text(f"{tid} is Pending KP Review")
    await expect(broker.locator("#transaction-actions")).to_have_count(0)
    await shot(broker, "53-transaction-pending")

    # KP's reviewer: the queue (from the dashboard), filtered, oldest first; the transaction; Return.
    reviewer, reviewer_complaints = await open_page(browser, base)
    await sign_in_as(reviewer, "reviewer1")
    await reviewer.get_by_role("link", name="Review queue").click()
    await expect(reviewer.get_by_role("heading", name="Review queue")).to_be_visible()
    await reviewer.get_by_label("Kind").select_option("Quote")
    await reviewer.get_by_label("Region").select_option("CA")
    await reviewer.get_by_role("button", name="Apply").click()
    queue = (
        await (await sign_in("reviewer1")).get("/api/v1/review-queue", params={"kind": "Quote", "region": "CA"})
    ).json()
    await expect(reviewer.locator("#queue-count")).to_have_text(f"{queue['total']} transaction(s) waiting")
    ids = await reviewer.locator("#review-queue tbody tr td:first-child").all_inner_texts()
    assert ids == [i["transaction_id"] for i in queue["items"]] and tid in ids
    assert set(await reviewer.locator("#review-queue tbody td:nth-child(5)").all_inner_texts()) == {"CA"}
    await shot(reviewer, "54-review-queue")
    await reviewer.get_by_role("link", name=tid).click()
    await expect(reviewer.locator("#transaction-status")).to_have_text("Pending KP Review")
    await expect(reviewer.locator("#transaction-answers")).to_contain_text("94110")

    # The dialog: Escape cancels and the focus comes back; missing and wrong answers are said beside their fields.
    returning = reviewer.locator("#transaction-return")
    await returning.click()
    dialog = reviewer.get_by_role("dialog")
    await expect(dialog.get_by_label("Instructions")).to_be_focused()
    await reviewer.keyboard.press("Escape")
    await expect(dialog).to_have_count(0)
    await expect(returning).to_be_focused()
    await reviewer.keyboard.press("Enter")
    await dialog.get_by_role("button", name="Return with instructions").click()
    await expect(dialog).to_contain_text("Instructions is required")
    await expect(dialog.get_by_label("Instructions")).to_be_focused()
    instructions = "Add the part-time employee hired in December to the census."
    await dialog.get_by_label("Instructions").fill(instructions)
    await dialog.get_by_label("KP representative's name").fill("Maria Lopez")
    await dialog.get_by_label("Representative's phone").fill("555")
    await dialog.get_by_role("button", name="Return with instructions").click()
    await expect(dialog).to_contain_text("not a valid US number")
    await expect(dialog.get_by_label("Representative's phone")).to_be_focused()
    await shot(reviewer, "55-return-dialog")
    await dialog.get_by_label("Representative's phone").fill("800-555-0134")
    await dialog.get_by_role("button", name="Return with instructions").click()
    await expect(dialog).to_have_count(0)
    await expect(reviewer.locator("#transaction-status")).to_have_text("Action Required")
    await expect(reviewer.locator("#transaction-message")).to_contain_text("Returned to the broker")

    # The broker: Action Required with KP's words in the history; open it, continue, add the employee, resubmit.
    await broker.goto(f"{base}/#/")
    await dashboard_row(broker, tid, "Action Required")
    await expect(broker.locator(f'#recent tr[data-transaction="{tid}"] td.instructions')).to_contain_text(instructions)
    await broker.locator("#recent").get_by_role("link", name=tid).click()
    await expect(broker.locator("#kp-instructions")).to_contain_text(instructions)
    await expect(broker.locator("#kp-instructions")).to_contain_text("Maria Lopez")
    await expect(broker.locator("#transaction-history")).to_contain_text(instructions)
    await shot(broker, "56-transaction-action-required")
    await broker.get_by_role("button", name="Continue").click()
    await expect(broker.get_by_role("heading", name="Step 1 of 3: Business and census")).to_be_visible()
    await expect(broker.get_by_label("ZIP code")).to_have_value("94110")
    await expect(broker.locator("#q-emp-0-dep-1-dob")).to_have_value("2015-03-10")
    await expect(broker.locator(".kp-instructions")).to_contain_text(instructions)
    await broker.get_by_role("button", name="Add an employee").click()
    await expect(broker.locator("#q-emp-2-dob")).to_be_focused()
    await broker.locator("#q-emp-2-dob").fill("2001-02-02")
    await broker.get_by_role("button", name="Next").click()
    await expect(broker.get_by_label(re.compile("^KP CA Gold 80 HMO "))).to_be_checked()
    await broker.get_by_role("button", name="Next").click()
    await expect(broker.locator('[data-plan="CA-GLD-80"] tbody tr')).to_have_count(5)
    await broker.get_by_role("button", name="Submit").click()
    await expect(broker.locator("#transaction-status")).to_have_text("Pending KP Review")
    assert len((await api.get(f"/api/v1/transactions/{tid}")).json()["steps"]["census"]["members"]) == 3

    # KP approves (a confirmation dialog); the broker sees Completed.
    await reviewer.reload()
    await expect(reviewer.locator("#transaction-status")).to_have_text("Pending KP Review")
    await reviewer.locator("#transaction-approve").click()
    await reviewer.get_by_role("dialog").get_by_role("button", name="Approve").click()
    await expect(reviewer.locator("#transaction-status")).to_have_text("Completed")
    await expect(reviewer.locator("#transaction-history tbody tr")).to_have_count(6)
    await broker.goto(f"{base}/#/")
    await dashboard_row(broker, tid, "Completed")
    await broker.locator("#recent").get_by_role("link", name=tid).click()
    await expect(broker.locator("#transaction-status")).to_have_text("Completed")
    await expect(broker.locator("#transaction-actions")).to_have_count(0)
    await shot(broker, "57-transaction-completed")
    assert broker_complaints == [], broker_complaints
    assert reviewer_complaints == [], reviewer_complaints


async def test_close_cancel_and_refusals_in_words(browser, ready_stack, sign_in):
    base = ready_stack.gateway_url
    api = await sign_in("broker1")
    page, complaints = await open_page(browser, base)
    await sign_in_as(page, "broker1")

    # Close with unsaved changes asks first: Escape keeps the form, and the focus on Close.
    await page.goto(f"{base}/#/quote")
    four_children = [
        {
            "date_of_birth": "1975-01-01",
            "dependents": [
                {"relationship": "child", "date_of_birth": f"{year}-06-01"} for year in (2008, 2010, 2012, 2014)
            ],
        }
    ]
    await start_quote(page, f"Lanai Surf Shop {uuid.uuid4().hex[:6]}", "HI", "96813", four_children)
    close = page.get_by_role("button", name="Close")
    await close.click()
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_contain_text("Your changes since the last save will be lost")
    await expect(dialog.get_by_role("button", name="Keep working")).to_be_focused()
    await page.keyboard.press("Escape")
    await expect(dialog).to_have_count(0)
    await expect(close).to_be_focused()

    # No plan chosen: said beside the plans, the first one focused. The fourth child under 21 is not charged.
    await page.get_by_role("button", name="Next").click()
    await page.get_by_role("button", name="Next").click()
    await expect(page.locator("#q-plans-error")).to_have_text("Choose at least one plan to quote.")
    await expect(page.locator("#q-plan-0")).to_be_focused()
    await page.locator("#q-plan-0").check()
    await page.get_by_role("button", name="Next").click()
    free = page.locator("tr.not-charged")
    await expect(free).to_have_count(1)
    await expect(free).to_contain_text("Not charged")
    await expect(free).to_contain_text("three oldest children under 21")
    await expect(free).to_contain_text("Employee 1 child 4")

    # Save, then Cancel: "No, keep it" keeps it; "Yes" withdraws it, and the dashboard says so.
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator("#quote-status")).to_contain_text("Saved as QT-")
    tid = QUOTE_ID.search(await page.locator("#quote-status").inner_text())[0]
    await dashboard_history_has(api, tid)
    cancel = page.get_by_role("button", name="Cancel")
    await cancel.click()
    await expect(dialog).to_contain_text(f"Withdraw quote {tid}?")
    await dialog.get_by_role("button", name="No, keep it").click()
    await expect(cancel).to_be_focused()
    assert (await api.get(f"/api/v1/transactions/{tid}")).json()["status"] == "Open"
    await cancel.click()
    await dialog.get_by_role("button", name="Yes, cancel it").click()
    message = page.get_by_role("status").filter(has_text="was cancelled")
    await expect(message).to_have_text(f"Transaction {tid} was cancelled and no longer appears in your history.")
    await expect(page.locator(f'#recent tr[data-transaction="{tid}"]')).to_have_count(0)
    await shot(page, "58-cancelled-message")
    assert (await api.get(f"/api/v1/transactions/{tid}")).json()["status"] == "Cancelled"

    # Close with nothing to lose goes straight home; a new quote's Close after typing, with "Close without saving".
    await page.goto(f"{base}/#/quote")
    await page.get_by_role("button", name="Close").click()
    await expect(page.get_by_role("heading", name="Welcome, Dana Broker")).to_be_visible()
    await page.goto(f"{base}/#/quote")
    await page.get_by_label("Business name").fill("Typed, never saved")
    await page.get_by_role("button", name="Close").click()
    await dialog.get_by_role("button", name="Close without saving").click()
    await expect(page.get_by_role("heading", name="Welcome, Dana Broker")).to_be_visible()

    # A submit the service refuses (no plans yet) is said next to the button.
    started = await api.post(
        "/api/v1/transactions",
        json={"kind": "Quote", "group_name": "Half-done Deli", "region": "CA", "steps": {"census": {"zip": "94110"}}},
    )
    incomplete = started.json()["transaction_id"]
    await page.goto(f"{base}/#/transactions/{incomplete}")
    await page.get_by_role("button", name="Submit").click()
    refusal = page.locator("#transaction-action-error")
    await expect(refusal).to_have_attribute("role", "alert")
    await expect(refusal).to_contain_text("cannot be submitted yet; missing")
    await expect(page.locator("#transaction-status")).to_have_text("Open")
    # A KP reviewer's page offers no review queue to a broker; a reviewer's move on it is not offered.
    await page.goto(f"{base}/#/review")
    await expect(page.get_by_role("alert")).to_have_text("Only KP reviewers have a review queue.")
    await page.goto(f"{base}/#/transactions/QT-0000-0000")
    await expect(page.get_by_role("heading", name="Transaction not found")).to_be_visible()
    assert complaints == [], complaints


async def dashboard_history_has(client, transaction_id: str) -> None:
    """Waits until the broker's history lists the transaction (so its withdrawal is seen to remove it)."""

    async def listed():
        items = (await client.get("/api/v1/transactions", params={"page_size": 100})).json()["items"]
        return any(t["transaction_id"] == transaction_id for t in items)

    await eventually(listed, timeout=30, interval=0.5)


async def test_the_new_screens_pass_an_accessibility_audit(browser, ready_stack, sign_in):
    base = ready_stack.gateway_url
    api = await sign_in("broker1")
    steps = {
        "census": {"business_name": "Audit Cafe", "region": "CA", "zip": "94110", "members": CENSUS},
        "plans": {"plan_ids": PLANS},
        "coverage": {"effective_date": EFFECTIVE},
    }
    made = await api.post(
        "/api/v1/transactions", json={"kind": "Quote", "group_name": "Audit Cafe", "region": "CA", "steps": steps}
    )
    tid = made.json()["transaction_id"]
    assert (await api.post(f"/api/v1/transactions/{tid}/submit")).json()["status"] == "Pending KP Review"

    problems: dict[str, list[str]] = {}
    # The audit script is added to each page: these contexts let it in (the CSP is tested elsewhere).
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = await context.new_page()
    await page.goto(base)
    await sign_in_as(page, "broker1")
    await page.goto(f"{base}/#/quote")
    await start_quote(page, "Audit Bakery", "CA", "941", CENSUS)
    await page.get_by_role("button", name="Next").click()
    await expect(page.locator("#q-zip-error")).to_be_visible()
    problems["quote step 1 with an error"] = await accessibility_problems(page)
    await page.get_by_label("ZIP code").fill("94110")
    await page.get_by_role("button", name="Next").click()
    await page.locator("#q-plan-0").check()
    problems["quote step 2"] = await accessibility_problems(page)
    await page.get_by_role("button", name="Next").click()
    await expect(page.locator(".monthly-total").first).to_be_visible()
    problems["quote step 3"] = await accessibility_problems(page)
    await page.get_by_role("button", name="Close").click()
    await expect(page.get_by_role("dialog")).to_be_visible()
    problems["close dialog"] = await accessibility_problems(page)
    await page.keyboard.press("Escape")
    await page.goto(f"{base}/#/transactions/{tid}")
    await expect(page.locator("#transaction-status")).to_have_text("Pending KP Review")
    problems["transaction (broker)"] = await accessibility_problems(page)
    await context.close()

    context = await browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = await context.new_page()
    await page.goto(base)
    await sign_in_as(page, "reviewer1")
    await page.goto(f"{base}/#/review")
    await expect(page.locator("#review-queue")).to_be_visible()
    problems["review queue"] = await accessibility_problems(page)
    await page.goto(f"{base}/#/review?kind=Renewal&region=WA")
    await expect(page.locator("#queue-count")).to_be_visible()
    problems["review queue, filtered"] = await accessibility_problems(page)
    await page.goto(f"{base}/#/transactions/{tid}")
    await page.locator("#transaction-return").click()
    await page.get_by_role("dialog").get_by_role("button", name="Return with instructions").click()
    await expect(page.get_by_role("dialog")).to_contain_text("is required")
    problems["return dialog with errors"] = await accessibility_problems(page)
    await context.close()
    assert {name: found for name, found in problems.items() if found} == {}
