import pytest
from pydantic import ValidationError

from services.gateway.policy import can_enroll, can_see_group, group_filter
from services.gateway.settings import GatewaySettings
from services.gateway.users import User

GROUP = {"group_id": "230001", "broker_id": "broker1"}
BROKER1 = User("broker1", "broker", "B1")
BROKER2 = User("broker2", "broker", "B2")
ADMIN1 = User("admin1", "group_admin", "A1", group_id="230001")
ADMIN2 = User("admin2", "group_admin", "A2", group_id="230002")
REVIEWER = User("reviewer1", "kp_reviewer", "R")


def test_broker_sees_only_groups_of_record():
    assert can_see_group(BROKER1, GROUP) and not can_see_group(BROKER2, GROUP)
    assert group_filter(BROKER1) == {"broker_id": "broker1"}


def test_group_admin_sees_only_own_group():
    assert can_see_group(ADMIN1, GROUP) and not can_see_group(ADMIN2, GROUP)
    assert group_filter(ADMIN2) == {"group_id": "230002"}


def test_reviewer_sees_all_but_cannot_enroll():
    assert can_see_group(REVIEWER, GROUP) and not can_enroll(REVIEWER)
    assert can_enroll(BROKER1) and can_enroll(ADMIN1)


def test_production_refuses_default_secrets(monkeypatch):
    monkeypatch.delenv("SESSION_SECRET", raising=False)
    monkeypatch.delenv("PII_HASH_KEY", raising=False)
    with pytest.raises(ValidationError, match="demo default"):
        GatewaySettings(app_env="production", pii_hash_key="a-real-key-from-the-vault")
    with pytest.raises(ValidationError, match="PII_HASH_KEY"):
        GatewaySettings(app_env="production", session_secret="a-real-secret-from-the-vault")
    with pytest.raises(ValidationError, match="SERVICE_TOKEN_SECRET"):
        GatewaySettings(
            app_env="production",
            session_secret="s" * 32,
            pii_hash_key="k" * 32,
            pii_encryption_keys="k1=" + "A" * 43 + "=",
        )
    keys = {"pii_hash_key": "k" * 32, "pii_encryption_keys": "k1=" + "A" * 43 + "=", "service_token_secret": "t" * 32}
    ok = GatewaySettings(app_env="production", session_secret="s" * 32, **keys)
    assert ok.session_secret.get_secret_value() == "s" * 32
    assert GatewaySettings(app_env="demo").app_env == "demo"
