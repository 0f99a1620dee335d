from pydantic import SecretStr

from shared.settings import DEMO_SECRET, InfraSettings


class GatewaySettings(InfraSettings):
    database: str = "gateway"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    upload_url: str = "http://127.0.0.1:8001"
    dashboard_url: str = "http://127.0.0.1:8004"
    applications_url: str = "http://127.0.0.1:8003"
    groups_url: str = "http://127.0.0.1:8005"
    transactions_url: str = "http://127.0.0.1:8006"
    # Keys the session-token hash; production refuses the demo default.
    session_secret: SecretStr = SecretStr(DEMO_SECRET)
    session_hours: int = 8
    cookie_secure: bool = False
    service_timeout_seconds: float = 30.0
    # How long a session and a group's tenancy facts are kept in memory.
    cache_seconds: float = 5.0
    # Sign-in throttling (throttle.py): this many failed sign-ins for one user
    # name within the window lock that name; from one address, a higher number
    # lock the address. A lock lasts sign_in_lock_seconds, twice as long with
    # each further lock, at most sign_in_max_lock_seconds.
    sign_in_user_failures: int = 5
    sign_in_address_failures: int = 20
    sign_in_window_seconds: int = 15 * 60
    sign_in_lock_seconds: int = 60
    sign_in_max_lock_seconds: int = 60 * 60
    # Reverse proxies whose X-Forwarded-For names the caller (a JSON list of
    # addresses); empty: the connection's own address is the caller's.
    trusted_proxies: frozenset[str] = frozenset()
    # The sites whose pages may send changes (a JSON list, like ["https://portal.example.com"]); empty: the
    # gateway's own address as the browser's Host names it. Set it behind a proxy that rewrites Host.
    allowed_origins: frozenset[str] = frozenset()
    # /healthz asks the services at most once in this long, each within the timeout.
    health_cache_seconds: float = 1.0
    health_timeout_seconds: float = 2.0
