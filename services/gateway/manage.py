"""Manage gateway users outside demo mode.

    python -m services.gateway.manage create-user broker7 --role broker
    python -m services.gateway.manage create-user admin9 --role group_admin --group-id 230045

The password is read from the terminal (or one line of standard input).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from shared.mongo import make_client

from .settings import GatewaySettings
from .users import UserStore

MIN_PASSWORD = 12


async def create_user(args: argparse.Namespace, password: str) -> None:
    settings = GatewaySettings()
    client = make_client(settings.mongodb_uri)
    try:
        store = UserStore(client[settings.database], settings.session_secret.get_secret_value(), settings.session_hours)
        await store.ensure_user(args.user_id, password, args.role, args.display_name or args.user_id, args.group_id)
    finally:
        await client.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create-user", help="create a user or reset their password and role")
    create.add_argument("user_id")
    create.add_argument("--role", required=True, choices=["broker", "group_admin", "kp_reviewer"])
    create.add_argument("--group-id", help="the group a group_admin administers")
    create.add_argument("--display-name")
    args = parser.parse_args(argv)
    if args.role == "group_admin" and not args.group_id:
        parser.error("--group-id is required for a group_admin")
    password = getpass.getpass("Password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if len(password) < MIN_PASSWORD:
        parser.error(f"the password must have at least {MIN_PASSWORD} characters")
    asyncio.run(create_user(args, password))
    print(f"user {args.user_id} ({args.role}) saved")


if __name__ == "__main__":
    main()
