from shared.settings import InfraSettings


class ApplicationsSettings(InfraSettings):
    database: str = "applications"
    http_port: int = 8003
    consumer_group: str = "applications"
    # Save for Later keeps an application this long; the sweep finds the expired.
    save_for_later_seconds: int = 30 * 24 * 3600
    expiry_sweep_seconds: float = 60.0
    max_agreement_bytes: int = 5 * 1024 * 1024
    # The outbox relay publishes what a write left unpublished (a crash, an
    # outage) this often, once it is this old.
    outbox_relay_seconds: float = 10.0
    outbox_grace_seconds: float = 5.0
