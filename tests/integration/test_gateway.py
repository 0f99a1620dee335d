"""The gateway on the real MongoDB-protocol server, with its services missing."""

import pytest

from deploy.local.servers import free_port
from services.gateway.app import create_app
from services.gateway.settings import GatewaySettings
from services.gateway.users import UserStore
from shared.mongo import make_client
from tests.integration.conftest import running
from tests.support import member, workbook

pytestmark = pytest.mark.integration


async def test_unreachable_services_answer_503_naming_the_service(infra, prefix):
    nowhere = f"http://127.0.0.1:{free_port()}"
    settings = GatewaySettings(
        app_env="test",
        mongodb_uri=infra.mongodb_uri,
        database=f"{prefix}gateway".replace(".", "_"),
        upload_url=nowhere,
        dashboard_url=nowhere,
        service_timeout_seconds=2,
    )
    client = make_client(infra.mongodb_uri)
    try:
        users = UserStore(client[settings.database], "s", 1)
        await users.ensure_user("broker9", "pw-9", "broker", "Broker Nine")
    finally:
        await client.close()
    async with running(create_app(settings)) as http:
        signed = await http.post("/api/v1/session", json={"username": "broker9", "password": "pw-9"})
        assert signed.status_code == 200
        http.headers["X-CSRF-Token"] = signed.json()["csrf_token"]
        answer = await http.get("/api/v1/groups")
        assert answer.status_code == 503 and "dashboard service" in answer.json()["detail"]
        answer = await http.post(
            "/api/v1/groups/230001/mass-enrollment/uploads",
            data={"region": "CA"},
            files={"file": ("m.xlsx", workbook([member(1)]))},
        )
        assert answer.status_code == 503
