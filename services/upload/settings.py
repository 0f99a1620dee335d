from shared.contracts.columns import MAX_MEMBERS_PER_FILE
from shared.settings import InfraSettings


class UploadSettings(InfraSettings):
    database: str = "upload"
    http_host: str = "127.0.0.1"
    http_port: int = 8001
    max_upload_bytes: int = 2 * 1024 * 1024
    max_members_per_file: int = MAX_MEMBERS_PER_FILE
    consumer_group: str = "upload"
    applications_url: str = "http://127.0.0.1:8003"
