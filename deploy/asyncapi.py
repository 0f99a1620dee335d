"""Write the AsyncAPI document of every service's messages: docs/asyncapi.json.

python -m deploy.asyncapi            # write it
python -m deploy.asyncapi --check    # fail if the checked-in file is stale
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from faststream.specification import AsyncAPI

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "asyncapi.json"


# The services with a Kafka side; each app module offers the same names.
KAFKA_SERVICES = ("upload", "validation", "applications", "dashboard", "groups", "transactions")


def document() -> str:
    # The document describes the default deployment: no prefix, demo settings
    # so no secret is needed to describe the messages.
    common = {"app_env": "demo", "topic_prefix": ""}
    brokers = []
    for name in KAFKA_SERVICES:
        app = importlib.import_module(f"services.{name}.app")
        brokers.append(app.build_broker(app.Settings(**common)))
    spec = AsyncAPI(
        *brokers,
        title="Broker & Employer portal events",
        version="1.0.0",
        description="Messages between the upload, validation, applications, dashboard, groups and transactions "
        "services. "
        "Topics named enrollment.member-row-parsed and enrollment.application-classified carry personal "
        "data and are internal; the others are for any subscriber.",
    )
    return json.dumps(json.loads(spec.to_specification().to_json()), indent=2, sort_keys=True) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = document()
    if args.check:
        if not TARGET.exists() or TARGET.read_text() != text:
            sys.exit(f"{TARGET.relative_to(ROOT)} is stale: run `make asyncapi` and commit it.")
        print(f"{TARGET.relative_to(ROOT)} is up to date.")
        return
    TARGET.write_text(text)
    print(f"wrote {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
