"""The broker's screens in Debian's Chromium: the dashboard (renewals, View More, recent
transactions, search), the book of business (filters, sort, Small Business), the group page
and its update, the transaction history with filters. Known answers come from the API the
screens call, on the demo data (renewals in each coming month, every transaction status)."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.e2e.browser import open_page, reload_until_shown, shot, sign_in_as
from tests.support import eventually

pytestmark = pytest.mark.e2e


async def test_the_brokers_dashboard_renewals_and_recent_transactions(browser, ready_stack, sign_in):
    broker = await sign_in("broker1")
    renewals = (await broker.get("/api/v1/dashboard/renewals")).json()["months"]
    recent = (await broker.get("/api/v1/dashboard/recent-transactions")).json()["items"]
    assert len(renewals) == 6 and recent

    page, complaints = await open_page(browser, ready_stack.gateway_url)
    await sign_in_as(page, "broker1")
    await expect(page.get_by_role("heading", name="Welcome, Dana Broker")).to_be_visible()
    await expect(page.get_by_role("link", name="Get a small business quote")).to_be_visible()
    box = page.locator("#renewals")
    for month in renewals:
        section = box.locator("section.month", has=page.locator(f"#month-{month['month']}"))
        await expect(section).to_contain_text(f"{month['label']} ({month['total']})")
        for group in month["groups"]:
            await expect(section).to_contain_text(group["name"])
    table = page.locator("#recent table")
    await expect(table.locator("tbody tr")).to_have_count(len(recent))
    await expect(table.locator("tbody tr").first).to_contain_text(recent[0]["transaction_id"])
    await shot(page, "40-broker-dashboard")

    # View More: every group of that month.
    fuller = next(m for m in renewals if m["total"] > len(m["groups"]))
    await box.get_by_role("link", name=f"View more renewals in {fuller['label']}").click()
    await expect(page.get_by_role("heading", name=f"Renewals in {fuller['label']}")).to_be_visible()
    await expect(page.locator("#month-groups tbody tr")).to_have_count(min(fuller["total"], 25))
    await shot(page, "41-renewals-view-more")

    # Search from the dashboard: the book of business, found by name.
    await page.locator("header").get_by_role("link", name="Home", exact=True).click()
    name = renewals[0]["groups"][0]["name"] if renewals[0]["groups"] else fuller["groups"][0]["name"]
    await page.get_by_label("Search your groups by name or ID").fill(name)
    await page.get_by_role("button", name="Search").click()
    await expect(page.get_by_role("heading", name="Book of business")).to_be_visible()
    await expect(page.locator("#book tbody")).to_contain_text(name)
    assert complaints == [], complaints


async def test_the_book_of_business_filters_sorts_and_pages(browser, ready_stack, sign_in):
    broker = await sign_in("broker1")
    everything = (await broker.get("/api/v1/book", params={"page_size": 25})).json()
    ca = (await broker.get("/api/v1/book", params={"region": "CA", "page_size": 25})).json()
    small = (await broker.get("/api/v1/book", params={"segment": "small_business", "page_size": 25})).json()
    assert 0 < ca["total"] < everything["total"] and small["total"] < everything["total"]

    page, complaints = await open_page(browser, ready_stack.gateway_url)
    await sign_in_as(page, "broker1")
    await page.goto(f"{ready_stack.gateway_url}/#/book")
    await expect(page.locator("#book-count")).to_have_text(f"{everything['total']} group(s)")
    await page.get_by_label("Region").select_option("CA")
    await page.get_by_role("button", name="Apply").click()
    await expect(page.locator("#book-count")).to_have_text(f"{ca['total']} group(s)")
    regions = await page.locator("#book tbody td:nth-child(3)").all_inner_texts()
    assert regions and set(regions) == {"CA"}
    # Sorted by renewal date, then the other way.
    await page.get_by_role("button", name=re.compile("^Renewal date")).click()
    await expect(page.locator('th[aria-sort="ascending"]')).to_contain_text("Renewal date")
    await page.get_by_role("button", name=re.compile("^Renewal date")).click()
    await expect(page.locator('th[aria-sort="descending"]')).to_contain_text("Renewal date")
    await shot(page, "42-book-of-business")
    # The Small Business tab.
    await page.get_by_role("link", name="Small Business").click()
    await page.get_by_role("link", name="Clear").click()
    await expect(page.locator("#book-count")).to_have_text(f"{small['total']} group(s)")
    assert complaints == [], complaints


async def test_the_group_page_and_its_update(browser, ready_stack, sign_in):
    broker = await sign_in("broker1")
    group = (await broker.get("/api/v1/groups")).json()[0]
    page, complaints = await open_page(browser, ready_stack.gateway_url)
    await sign_in_as(page, "broker1")
    await page.goto(f"{ready_stack.gateway_url}/#/groups/{group['group_id']}")
    info = page.locator("#group-information")
    await expect(info).to_contain_text(group["group_id"])
    await expect(info).to_contain_text(group["region"])
    await expect(page.get_by_role("link", name="Manage Members")).to_be_visible()
    await shot(page, "43-group-page")

    # A wrong email is refused in words; a new phone is saved and reaches the other services' view.
    await page.get_by_label("Email", exact=True).fill("not-an-email")
    await page.get_by_role("button", name="Save group information").click()
    await expect(page.locator("#group-update-message")).to_contain_text("mail")
    await page.reload()
    await page.get_by_label("Phone", exact=True).fill("(510) 555-0199")
    await page.get_by_role("button", name="Save group information").click()
    await expect(page.locator("#group-update-message")).to_contain_text("Saved")

    async def updated():
        answer = await broker.get(f"/api/v1/groups/{group['group_id']}")
        return "0199" in (answer.json().get("phone") or "")

    await eventually(updated, timeout=20)
    await reload_until_shown(page, group["name"], "0199")

    # Another broker's group: the same words as one that does not exist.
    theirs = (await (await sign_in("broker2")).get("/api/v1/groups")).json()[0]["group_id"]
    await page.goto(f"{ready_stack.gateway_url}/#/groups/{theirs}")
    await expect(page.get_by_role("alert")).to_have_text(f"Group {theirs} not found.")
    assert complaints == [], complaints


async def test_the_transaction_history_with_filters(browser, ready_stack, sign_in):
    broker = await sign_in("broker1")
    action = (await broker.get("/api/v1/transactions", params={"status": "Action Required"})).json()
    assert action["total"] > 0 and all(t["instructions"] for t in action["items"])

    page, complaints = await open_page(browser, ready_stack.gateway_url)
    await sign_in_as(page, "broker1")
    await page.goto(f"{ready_stack.gateway_url}/#/transactions")
    await expect(page.get_by_role("heading", name="Transaction history")).to_be_visible()
    await page.get_by_label("Status").select_option("Action Required")
    await page.get_by_role("button", name="Apply").click()
    await expect(page.locator("#history-count")).to_have_text(f"{action['total']} transaction(s)")
    statuses = await page.locator("table.transactions tbody td:nth-child(6)").all_inner_texts()
    assert statuses and set(statuses) == {"Action Required"}
    await expect(page.locator("table.transactions tbody td.instructions").first).not_to_be_empty()
    await shot(page, "44-transaction-history")
    # Completed ones are links that open the transaction.
    await page.get_by_label("Status").select_option("Completed")
    await page.get_by_role("button", name="Apply").click()
    # The Completed list is on screen (Action Required IDs are links too: wait for the status).
    await expect(page.locator("table.transactions tbody td:nth-child(6)").first).to_have_text("Completed")
    await expect(page.locator("table.transactions a.transaction-link").first).to_be_visible()
    # A date range the wrong way round is said, not sent.
    await page.get_by_label("Created from").fill("2026-12-31")
    await page.get_by_label("Created to").fill("2026-01-01")
    await page.get_by_role("button", name="Apply").click()
    await expect(page.locator("#history-error")).to_contain_text("Swap them")
    await page.get_by_label("Created from").fill("")
    await page.get_by_label("Group ID").fill("23;0001")
    await page.get_by_role("button", name="Apply").click()
    await expect(page.locator("#history-error")).to_contain_text("letters and digits only")
    # A filter the API refuses (an address typed by hand) is said in words; the screen stays.
    await page.goto(f"{ready_stack.gateway_url}/#/transactions?status=Lost")
    await expect(page.get_by_role("alert")).to_contain_text("These filters cannot be used")
    await expect(page.get_by_role("link", name="Clear the filters")).to_be_visible()
    assert complaints == [], complaints
