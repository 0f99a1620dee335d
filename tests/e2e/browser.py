"""Driving the portal in Debian's Chromium through Playwright: the browser, a page with the
browser's complaints collected, sign-in, screenshots under test-artifacts/ (git-ignored)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Page, expect

from tests.support import eventually

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CONFIRMATION = re.compile(r"ME-[0-9A-Z]{4}-[0-9A-Z]{4}")


async def open_page(browser, base_url: str, width: int = 1280, height: int = 900) -> tuple[Page, list[str]]:
    """A new page at the portal, with the browser's complaints (CSP refusals, script errors) collected."""
    context = await browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    page = await context.new_page()
    complaints: list[str] = []
    # A refusal the page shows in words is also logged by Chromium as a failed load: not a complaint.
    page.on(
        "console",
        lambda m: (
            complaints.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda e: complaints.append(str(e)))
    page.on("dialog", lambda d: complaints.append(f"a native dialog opened: {d.message}"))
    await page.goto(base_url)
    return page, complaints


async def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def sign_in_as(page: Page, user: str) -> None:
    await page.get_by_label("User name").fill(user)
    await page.get_by_label("Password").fill("demo-password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#who")).to_be_visible()


async def reload_until_shown(page: Page, heading: str, text: str) -> None:
    """A list the dashboard builds from events may take a moment to hold a change: reload, as a user would."""

    async def shown() -> bool:
        await expect(page.get_by_role("heading", name=heading)).to_be_visible()
        if text in await page.locator("main").inner_text():
            return True
        await page.reload()
        return False

    await eventually(shown, timeout=20, interval=0.5)
