"""Write the AsyncAPI document of every service's messages: docs/asyncapi.json.

python -m deploy.asyncapi            # write it
python -m deploy.asyncapi --check    # fail if the checked-in file is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from faststream.specification import AsyncAPI

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "asyncapi.json"


def document() -> str:
    from services.applications.app import build_broker as applications_broker
    from services.applications.handlers import Deps as ApplicationsDeps
    from services.applications.settings import ApplicationsSettings
    from services.dashboard.app import build_broker as dashboard_broker
    from services.dashboard.handlers import Deps as DashboardDeps
    from services.dashboard.settings import DashboardSettings
    from services.upload.app import Deps as UploadDeps
    from services.upload.app import build_broker as upload_broker
    from services.upload.settings import UploadSettings
    from services.validation.app import build_broker as validation_broker
    from services.validation.handlers import Deps as ValidationDeps
    from services.validation.settings import ValidationSettings

    # The document describes the default deployment: no prefix, demo settings
    # so no secret is needed to describe the messages.
    common = {"app_env": "demo", "topic_prefix": ""}
    brokers = [
        upload_broker(UploadSettings(**common), UploadDeps())[0],
        validation_broker(ValidationSettings(**common), ValidationDeps()),
        applications_broker(ApplicationsSettings(**common), ApplicationsDeps()),
        dashboard_broker(DashboardSettings(**common), DashboardDeps()),
    ]
    spec = AsyncAPI(
        *brokers,
        title="Broker & Employer portal events",
        version="1.0.0",
        description="Messages between the upload, validation, applications and dashboard services. "
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
