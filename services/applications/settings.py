from shared.settings import InfraSettings


class ApplicationsSettings(InfraSettings):
    database: str = "applications"
    http_host: str = "127.0.0.1"
    http_port: int = 8003
    consumer_group: str = "applications"
    # Save for Later keeps an application this long; the sweep finds the expired.
    save_for_later_seconds: int = 30 * 24 * 3600
    expiry_sweep_seconds: float = 60.0
    max_agreement_bytes: int = 5 * 1024 * 1024
