from shared.settings import InfraSettings


class ValidationSettings(InfraSettings):
    database: str = "validation"
    http_port: int = 8002
    consumer_group: str = "validation"
