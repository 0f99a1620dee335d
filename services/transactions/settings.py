from shared.settings import InfraSettings


class TransactionsSettings(InfraSettings):
    database: str = "transactions"
    http_port: int = 8006
    consumer_group: str = "transactions"
    # The outbox relay publishes what a write left unpublished (a crash, an
    # outage) this often, once it is this old.
    outbox_relay_seconds: float = 10.0
    outbox_grace_seconds: float = 5.0
