from shared.contracts.columns import MAX_MEMBERS_PER_FILE
from shared.settings import InfraSettings


class UploadSettings(InfraSettings):
    database: str = "upload"
    http_port: int = 8001
    max_upload_bytes: int = 2 * 1024 * 1024
    max_members_per_file: int = MAX_MEMBERS_PER_FILE
    consumer_group: str = "upload"
    # Uploads stored but not published (the process stopped, Kafka was away)
    # are published again from their file this often, once they are this old.
    outbox_relay_seconds: float = 30.0
    outbox_grace_seconds: float = 60.0
