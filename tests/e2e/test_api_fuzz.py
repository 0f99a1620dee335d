"""Schemathesis over the whole HTTP API, signed in as a group administrator:
valid and invalid requests for every operation, a bounded number each, and
not one may answer a server error."""

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode

pytestmark = pytest.mark.e2e
EXAMPLES = 30  # per operation; derandomized, so every run sends the same requests


def test_no_operation_of_the_api_answers_a_server_error(ready_stack):
    base = ready_stack.gateway_url
    session = requests.Session()
    signed_in = session.post(f"{base}/api/v1/session", json={"username": "admin1", "password": "demo-password"})
    assert signed_in.status_code == 200
    session.headers["X-CSRF-Token"] = signed_in.json()["csrf_token"]
    # Signing in and out is left out: a fuzzer signing out (or failing to sign
    # in, again and again) would only test itself against the throttle.
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json").exclude(path="/api/v1/session")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    failures: list[str] = []
    statuses: list[int] = []
    for operation in operations:
        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
        )

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=cases)
        def call(case) -> None:
            answer = case.call(base_url=base, session=session, timeout=30)
            statuses.append(answer.status_code)
            if answer.status_code >= 500:
                failures.append(f"{case.method} {answer.request.url} -> {answer.status_code} {answer.text[:200]}")

        call()
    assert failures == [], "\n".join(failures[:20])
    # It did fuzz: many requests, valid ones answered and invalid ones refused.
    assert len(statuses) >= 10 * len(operations) and {200, 404, 422} <= set(statuses), sorted(set(statuses))
