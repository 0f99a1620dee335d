"""Settings every service shares: where the servers are and which mode it runs in."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Working only in demo and test mode: production refuses to start with it.
DEMO_SECRET = "demo-only-secret-do-not-use-in-production"

AppEnv = Literal["demo", "test", "production"]


class InfraSettings(BaseSettings):
    """Read from the environment (KAFKA_BOOTSTRAP_SERVERS, MONGODB_URI, APP_ENV, ...)."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    app_env: AppEnv = "production"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    mongodb_uri: str = "mongodb://127.0.0.1:27017/?directConnection=true"
    # Prefix for every topic name, so several deployments (or test runs) can
    # share one cluster without reading each other's messages.
    topic_prefix: str = ""
    # Consumers take up to this many records per batch, and a fetch waits at
    # most this long for data: Tansu answers a fetch only when the wait ends.
    kafka_max_batch: int = 500
    kafka_fetch_max_wait_ms: int = 50
    kafka_reference_fetch_max_wait_ms: int = 500
    # A batch that keeps failing is retried with growing pauses from this one,
    # then moved to its topic's dead-letter topic after this many attempts.
    kafka_retry_backoff_seconds: float = 1.0
    kafka_dead_letter_after: int = 6
    # Key for the keyed hash that matches members by SSN without storing it.
    pii_hash_key: SecretStr = SecretStr(DEMO_SECRET)
    # Keys that encrypt SSNs and dates of birth where they are kept
    # (``id=base64 of 32 bytes,...``; the first encrypts): see shared.crypto.
    pii_encryption_keys: SecretStr = SecretStr(DEMO_SECRET)
    # Signs (gateway) and checks (services) the caller's identity on internal calls: shared.identity.
    service_token_secret: SecretStr = SecretStr(DEMO_SECRET)
    # Log lines at this level and above (JSON, one per line); FastStream's own
    # per-message lines are at DEBUG and have a level of their own.
    log_level: str = "INFO"
    faststream_log_level: str = "WARNING"
    http_host: str = "127.0.0.1"

    @model_validator(mode="after")
    def _refuse_demo_secrets(self) -> InfraSettings:
        if self.app_env == "production":
            for name, value in self._secrets().items():
                if value.get_secret_value() == DEMO_SECRET:
                    raise ValueError(
                        f"{name.upper()} is the demo default; set a real secret in the environment "
                        "(or APP_ENV=demo for a local demo)"
                    )
        return self

    def _secrets(self) -> dict[str, SecretStr]:
        return {name: value for name, value in self.__dict__.items() if isinstance(value, SecretStr)}
