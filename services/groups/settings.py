from shared.settings import InfraSettings


class GroupsSettings(InfraSettings):
    database: str = "groups"
    http_port: int = 8005
    consumer_group: str = "groups"
    # The outbox relay publishes what a write left unpublished (a crash, an
    # outage) this often, once it is this old.
    outbox_relay_seconds: float = 10.0
    outbox_grace_seconds: float = 5.0
