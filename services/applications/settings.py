from shared.settings import InfraSettings


class ApplicationsSettings(InfraSettings):
    database: str = "applications"
    http_host: str = "127.0.0.1"
    http_port: int = 8003
    consumer_group: str = "applications"
    max_batch: int = 500
