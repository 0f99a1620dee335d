"""CSRF checks and the security headers, on the API and the page."""

from __future__ import annotations

from services.gateway.tests.conftest import PASSWORD, SignIn
from services.gateway.tests.fakes import FakeServices

SUBMIT = "/api/v1/applications/U1-0004/submit"


def _changes(fake: FakeServices) -> list:
    return [r for r in fake.requests if r.method != "GET"]


async def test_a_change_without_the_sessions_token_is_refused_and_reaches_no_service(
    sign_in: SignIn, fake: FakeServices
):
    broker = await sign_in("broker1")
    token = broker.headers.pop("X-CSRF-Token")
    for headers in ({}, {"X-CSRF-Token": "0" * 64}, {"X-CSRF-Token": token[:-1]}):
        answer = await broker.post(SUBMIT, headers=headers)
        assert answer.status_code == 403 and answer.json()["code"] == "cross_site_request", answer.text
        assert "X-CSRF-Token" in answer.json()["detail"]
    assert (await broker.delete("/api/v1/session")).status_code == 403  # signing out is a change too
    assert _changes(fake) == []

    answer = await broker.post(SUBMIT, headers={"X-CSRF-Token": token})
    assert answer.status_code == 200 and len(_changes(fake)) == 1


async def test_another_sessions_token_does_not_pass(sign_in: SignIn, fake: FakeServices):
    broker1, other = await sign_in("broker1"), await sign_in("broker1")
    assert broker1.headers["X-CSRF-Token"] != other.headers["X-CSRF-Token"]
    answer = await broker1.post(SUBMIT, headers={"X-CSRF-Token": other.headers["X-CSRF-Token"]})
    assert answer.status_code == 403 and _changes(fake) == []


async def test_a_request_from_another_sites_page_is_refused_even_with_the_token(sign_in: SignIn, fake: FakeServices):
    broker = await sign_in("broker1")
    answer = await broker.post(SUBMIT, headers={"Origin": "https://evil.example"})
    assert answer.status_code == 403 and "another site" in answer.json()["detail"]
    assert (await broker.post(SUBMIT, headers={"Origin": "null"})).status_code == 403
    assert _changes(fake) == []
    # The portal's own page sends its own origin: that passes.
    assert (await broker.post(SUBMIT, headers={"Origin": "http://gateway.test"})).status_code == 200


async def test_signing_in_from_another_sites_page_is_refused(sign_in: SignIn):
    anonymous = await sign_in(None)
    body = {"username": "broker1", "password": PASSWORD}
    answer = await anonymous.post("/api/v1/session", json=body, headers={"Origin": "https://evil.example"})
    assert answer.status_code == 403 and "session" not in answer.cookies
    answer = await anonymous.post("/api/v1/session", json=body, headers={"Origin": "http://gateway.test"})
    assert answer.status_code == 200 and answer.json()["csrf_token"]


async def test_the_session_answers_its_token(sign_in: SignIn):
    broker = await sign_in("broker1")
    assert (await broker.get("/api/v1/session")).json()["csrf_token"] == broker.headers["X-CSRF-Token"]


async def test_every_answer_carries_the_security_headers(sign_in: SignIn):
    broker = await sign_in("broker1")
    for path in ("/", "/api/v1/groups", "/api/v1/nothing-here", "/healthz"):
        headers = (await broker.get(path)).headers
        csp = headers["content-security-policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "script-src 'self'" in csp and "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "same-origin"
        assert headers["x-frame-options"] == "DENY"
    refused = await broker.post(SUBMIT, headers={"X-CSRF-Token": "x"})
    assert "frame-ancestors 'none'" in refused.headers["content-security-policy"]


def test_behind_a_proxy_the_configured_origins_decide():
    from starlette.requests import HTTPConnection

    from services.gateway.security import refusal

    def request(origin: str) -> HTTPConnection:
        headers = [(b"host", b"gateway:8000"), (b"origin", origin.encode())]
        return HTTPConnection({"type": "http", "method": "POST", "path": "/api/v1/session", "headers": headers})

    allowed = frozenset({"https://portal.example.com"})
    assert refusal(request("https://portal.example.com"), "s", allowed) is None
    assert refusal(request("https://portal.example.com/"), "s", allowed) is None
    assert refusal(request("http://gateway:8000"), "s", allowed) is not None  # the proxy's Host is not a site
    assert refusal(request("https://evil.example"), "s", allowed) is not None
    assert refusal(request("http://gateway:8000"), "s") is None  # not configured: the Host's own site
