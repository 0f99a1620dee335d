import base64
import os
import subprocess
import sys
from datetime import date

from deploy.local.demo import ADMIN1_GROUP, ADMIN2_GROUP, demo_book, registration
from deploy.local.servers import ROOT
from deploy.local.stack import wants_demo_data


def test_demo_data_only_in_demo_mode():
    assert wants_demo_data({"APP_ENV": "demo"})
    assert not wants_demo_data({"APP_ENV": "production"}) and not wants_demo_data({})


def test_gateway_refuses_to_start_in_production_with_the_default_secret():
    secrets = ("SESSION_SECRET", "PII_HASH_KEY", "PII_ENCRYPTION_KEYS", "SERVICE_TOKEN_SECRET")
    env = {k: v for k, v in os.environ.items() if k not in secrets}
    real_key = "k1=" + base64.b64encode(b"k" * 32).decode()
    env.update(
        APP_ENV="production",
        PII_HASH_KEY="a-real-key-0123456789",
        PII_ENCRYPTION_KEYS=real_key,
        SERVICE_TOKEN_SECRET="a-real-token-secret-0123456789",
        HTTP_PORT="1",
    )
    done = subprocess.run(
        [sys.executable, "-m", "services.gateway"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "SESSION_SECRET is the demo default" in done.stderr


def test_demo_book_of_business():
    today = date(2026, 11, 23)
    groups, members = demo_book(today, "k")
    assert 38 <= len(groups) <= 45
    by_id = {g.group_id: g for g in groups}
    assert by_id[ADMIN1_GROUP].region == "CA" and by_id[ADMIN2_GROUP].region != "CA"
    assert {"CA", "HI"} <= {g.region for g in groups} and len({g.region for g in groups}) >= 4
    assert {g.broker_id for g in groups} == {"broker1", "broker2"}
    assert all(g.subgroups for g in groups)
    # Renewals over this month and the seven after it, across the year end (Review Your Renewals shows six).
    assert all(date(2026, 11, 1) <= g.renewal_date < date(2027, 7, 1) for g in groups)
    assert len({(g.renewal_date.year, g.renewal_date.month) for g in groups}) == 8
    assert any((today - g.acquired_on).days <= 90 for g in groups)
    assert any((today - g.acquired_on).days > 90 for g in groups)
    enrolled = {m.group_id for m in members}
    assert enrolled == set(by_id)
    # A group's current plans hold its enrolled members, no more, no fewer (the group page shows both).
    for group in groups:
        count = sum(1 for m in members if m.group_id == group.group_id)
        assert sum(p.members for p in registration(group, count).current_plans) == count
    assert all(len(m.ssn_hash) == 64 and m.ssn_hash not in ("", m.ssn_last4) for m in members)


def test_asyncapi_document_lists_every_subscription_and_publication():
    import json

    from deploy.asyncapi import document

    channels = json.loads(document())["channels"]
    subscriptions = {name for name in channels if not name.endswith(":Publisher")}
    assert subscriptions == {
        "upload.groups",
        "validation.groups",
        "validation.members",
        "validation.rows",
        "validation.edits",
        "validation.lifecycle",
        "applications.classified",
        "dashboard.groups",
        "dashboard.members",
        "dashboard.uploads",
        "dashboard.applications",
        "dashboard.lifecycle",
        "dashboard.group-information",
        "dashboard.transactions",
        "groups.register",
    }
    assert len(channels) - len(subscriptions) == 10  # one publisher per produced topic
    assert "transactions.transaction-recorded.v1:Publisher" in channels  # the transactions service's


def test_services_refuse_to_start_in_production_with_the_demo_encryption_key():
    env = {k: v for k, v in os.environ.items() if k not in ("PII_HASH_KEY", "PII_ENCRYPTION_KEYS")}
    env.update(APP_ENV="production", PII_HASH_KEY="a-real-key-0123456789", HTTP_PORT="1")
    done = subprocess.run(
        [sys.executable, "-m", "services.applications"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "PII_ENCRYPTION_KEYS is the demo default" in done.stderr
