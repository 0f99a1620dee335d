from shared.settings import InfraSettings


class DashboardSettings(InfraSettings):
    database: str = "dashboard"
    http_host: str = "127.0.0.1"
    http_port: int = 8004
    consumer_group: str = "dashboard"
