from shared.settings import InfraSettings


class DashboardSettings(InfraSettings):
    database: str = "dashboard"
    http_port: int = 8004
    consumer_group: str = "dashboard"
