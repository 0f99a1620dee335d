import time

import pytest

from shared.errors import NotSignedIn
from shared.identity import SERVICE_ROLE, sign, verify

SECRET = "a-service-token-secret-of-enough-length"


def test_a_signed_user_is_who_the_gateway_says():
    caller = verify(SECRET, "upload", f"Bearer {sign(SECRET, 'upload', 'admin1', 'group_admin')}")
    assert caller.actor().user_id == "admin1" and caller.actor().role == "group_admin"
    assert verify(SECRET, "upload", f"Bearer {sign(SECRET, 'upload', 'gateway', SERVICE_ROLE)}").actor() is None


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Basic YWRtaW4xOnB3",
        "Bearer ",
        f"Bearer {sign('another-secret-of-enough-length-000000', 'upload', 'admin1', 'group_admin')}",
        f"Bearer {sign(SECRET, 'upload', 'admin1', 'group_admin', now=time.time() - 120)}",  # expired after 60 s
        f"Bearer {sign(SECRET, 'upload', 'admin1', 'superuser')}",  # no role of this portal
        f"Bearer {sign(SECRET, 'upload', 'admin1', 'group_admin')}x",  # altered
    ],
)
def test_anything_else_is_refused(authorization):
    with pytest.raises(NotSignedIn):
        verify(SECRET, "upload", authorization)


def test_a_token_is_for_one_service_and_takes_a_little_clock_skew():
    for_dashboard = f"Bearer {sign(SECRET, 'dashboard', 'admin1', 'group_admin')}"
    with pytest.raises(NotSignedIn):
        verify(SECRET, "applications", for_dashboard)
    ahead = (
        f"Bearer {sign(SECRET, 'upload', 'admin1', 'group_admin', now=time.time() + 5)}"  # the gateway's clock ahead
    )
    assert verify(SECRET, "upload", ahead).subject == "admin1"
