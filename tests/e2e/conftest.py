import httpx
import pytest

from deploy.local.servers import free_port
from deploy.local.stack import SERVICES, start_stack
from tests.support import eventually, workbook

DEMO_GROUPS = 41


@pytest.fixture(scope="session")
def stack(infra, tmp_path_factory):
    """The whole system as ``make run`` starts it (demo data and all), on the test servers."""
    running = start_stack(
        tmp_path_factory.mktemp("stack"),
        ports={name: free_port() for name in SERVICES},
        extra_env={
            "APP_ENV": "demo",
            "TOPIC_PREFIX": "e2e.",
            "KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap,
            "MONGODB_URI": infra.mongodb_uri,
        },
    )
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
async def ready_stack(stack):
    """The stack once validation and dashboard hold the demo book of business."""
    async with httpx.AsyncClient() as http:
        for service in ("validation", "dashboard"):
            url = stack.url(service)
            await eventually(lambda url=url: _groups(http, url), timeout=60)
    return stack


async def _groups(http, url):
    return (await http.get(f"{url}/healthz")).json().get("groups", 0) >= DEMO_GROUPS


@pytest.fixture
async def sign_in(ready_stack):
    clients = []

    async def signed_in(username: str) -> httpx.AsyncClient:
        client = httpx.AsyncClient(base_url=ready_stack.gateway_url, timeout=30)
        clients.append(client)
        answer = await client.post("/api/v1/session", json={"username": username, "password": "demo-password"})
        assert answer.status_code == 200, answer.text
        client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        return client

    yield signed_in
    for client in clients:
        await client.aclose()


async def filled_template(client: httpx.AsyncClient, group: dict, rows: list[dict]) -> bytes:
    """The group's template as the API serves it, with these member rows filled in."""
    answer = await client.get(
        f"/api/v1/groups/{group['group_id']}/mass-enrollment/template", params={"region": group["region"]}
    )
    assert answer.status_code == 200, answer.text
    return workbook(rows, base=answer.content)


@pytest.fixture
async def browser(ready_stack):
    """Debian's Chromium, headless, through Playwright (it cannot download browsers here)."""
    from playwright.async_api import async_playwright

    from tests.e2e.browser import CHROMIUM, FLAGS

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            await browser.close()
