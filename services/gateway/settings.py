from pydantic import SecretStr

from shared.settings import DEMO_SECRET, InfraSettings


class GatewaySettings(InfraSettings):
    database: str = "gateway"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    upload_url: str = "http://127.0.0.1:8001"
    dashboard_url: str = "http://127.0.0.1:8004"
    applications_url: str = "http://127.0.0.1:8003"
    # Keys the session-token hash; production refuses the demo default.
    session_secret: SecretStr = SecretStr(DEMO_SECRET)
    session_hours: int = 8
    cookie_secure: bool = False
    service_timeout_seconds: float = 30.0
    # How long a session and a group's tenancy facts are kept in memory.
    cache_seconds: float = 5.0
