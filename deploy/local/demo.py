"""Demo data: a book of business of about 40 small-business groups and the
five demo sign-ins. Used only in demo mode (the embedded default).

The groups and enrolled members are published as reference events, as the
group system of record would publish them; the services project them.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from faststream.kafka import KafkaBroker

from shared.contracts.reference import GroupRegistered, MemberEnrolled, Subgroup
from shared.contracts.topics import Topics
from shared.pii import ssn_hash

DEMO_PASSWORD = "demo-password"
ADMIN1_GROUP = "230001"  # California
ADMIN2_GROUP = "230002"  # Colorado

DEMO_USERS = [
    {"user_id": "broker1", "role": "broker", "display_name": "Dana Broker", "group_id": None},
    {"user_id": "broker2", "role": "broker", "display_name": "Sam Broker", "group_id": None},
    {"user_id": "admin1", "role": "group_admin", "display_name": "Alex Admin (CA)", "group_id": ADMIN1_GROUP},
    {"user_id": "admin2", "role": "group_admin", "display_name": "Jordan Admin (CO)", "group_id": ADMIN2_GROUP},
    {"user_id": "reviewer1", "role": "kp_reviewer", "display_name": "Riley Reviewer", "group_id": None},
]

# Regions and how many demo groups each gets (41 in all).
REGIONS = [("CA", 14), ("HI", 5), ("CO", 5), ("GA", 5), ("MAS", 5), ("NW", 4), ("WA", 3)]
NAMES = [
    "Bakery",
    "Dental Studio",
    "Landscaping",
    "Auto Repair",
    "Coffee Roasters",
    "Bookkeeping",
    "Yoga Loft",
    "Print Shop",
    "Veterinary Clinic",
    "Architects",
    "Brewing Co",
    "Florist",
    "Plumbing",
    "Design Lab",
]
PLACES = {
    "CA": ["Golden Gate", "Sierra", "Mission", "Redwood", "Pacific", "Sacramento", "Bayview"],
    "HI": ["Aloha", "Kona", "Makai"],
    "CO": ["Front Range", "Aspen", "Boulder"],
    "GA": ["Peachtree", "Savannah", "Atlanta"],
    "MAS": ["Chesapeake", "Potomac", "Capitol"],
    "NW": ["Cascade", "Willamette", "Columbia"],
    "WA": ["Puget Sound", "Rainier", "Evergreen"],
}
FIRST = ["Maria", "James", "Aiko", "Luis", "Grace", "Omar", "Priya", "Noah", "Leilani", "Ethan", "Sofia", "Kai"]
LAST = ["Garcia", "Smith", "Tanaka", "Nguyen", "Johnson", "Patel", "Kim", "Lopez", "Brown", "Akana", "Chen", "Davis"]


# Member m of a group, by m % 4: a subscriber, their spouse, their child, another subscriber.
FAMILY = ("Subscriber", "Spouse", "Child", "Subscriber")


def demo_ssn(group_index: int, member_index: int) -> str:
    """Valid-looking, deterministic, never a real person's (area 5xx, group 9x)."""
    return f"5{group_index:02d}9{member_index % 10}{1000 + group_index * 37 + member_index:04d}"


def demo_book(today: date, pii_key: str) -> tuple[list[GroupRegistered], list[MemberEnrolled]]:
    rng = random.Random(2026)
    groups: list[GroupRegistered] = []
    members: list[MemberEnrolled] = []
    index = 0
    for region, count in REGIONS:
        for _ in range(count):
            index += 1
            group_id = f"{230000 + index}"
            if group_id == ADMIN2_GROUP:
                region_here = "CO"
            elif group_id == ADMIN1_GROUP:
                region_here = "CA"
            else:
                region_here = region
            name = f"{rng.choice(PLACES[region_here])} {NAMES[(index * 5) % len(NAMES)]}"
            subgroups = [
                Subgroup(subgroup_id=f"{k:04d}", name=label)
                for k, label in enumerate(
                    ["Full-time employees", "Part-time employees", "Retirees"][: rng.randint(1, 3)], 1
                )
            ]
            acquired_recently = index % 6 == 0
            groups.append(
                GroupRegistered(
                    event_id=f"demo:group:{group_id}",
                    correlation_id="demo-seed",
                    group_id=group_id,
                    name=name,
                    region=region_here,
                    broker_id="broker1" if index % 2 else "broker2",
                    subgroups=subgroups,
                    renewal_date=(today.replace(day=1) + timedelta(days=31 * (index % 12) + 31)).replace(day=1),
                    acquired_on=today
                    - timedelta(days=rng.randint(5, 80) if acquired_recently else rng.randint(120, 2000)),
                )
            )
            for m in range(rng.randint(3, 8)):
                ssn = demo_ssn(index, m)
                first_name, last_name = rng.choice(FIRST), rng.choice(LAST)
                # Every fourth member brings a spouse and a child (their family name, their subgroup).
                relationship = FAMILY[m % 4]
                if relationship != "Subscriber":
                    subscriber = members[-(m % 4)]
                    last_name = subscriber.last_name
                members.append(
                    MemberEnrolled(
                        event_id=f"demo:member:{group_id}:{m}",
                        correlation_id="demo-seed",
                        member_id=f"M{group_id}{m:03d}",
                        group_id=group_id,
                        subgroup_id=(
                            subgroups[m % len(subgroups)].subgroup_id
                            if relationship == "Subscriber"
                            else members[-(m % 4)].subgroup_id
                        ),
                        first_name=first_name,
                        last_name=last_name,
                        relationship=relationship,
                        ssn_hash=ssn_hash(ssn, pii_key),
                        ssn_last4=ssn[-4:],
                    )
                )
    return groups, members


async def publish_reference(bootstrap: str, topic_prefix: str, pii_key: str, today: date | None = None) -> int:
    """Publish the demo book as reference events (deterministic ids: seeding twice is harmless)."""
    groups, members = demo_book(today or date.today(), pii_key)
    topics = Topics(topic_prefix)
    broker = KafkaBroker(bootstrap, acks="all")
    await broker.connect()
    try:
        for group in groups:
            await broker.publish(group, topics.group_registered, key=group.group_id.encode())
        for member in members:
            await broker.publish(member, topics.member_enrolled, key=member.group_id.encode())
    finally:
        await broker.stop()
    return len(groups)


async def seed_users(mongodb_uri: str, database: str, session_secret: str) -> None:
    from services.gateway.users import UserStore
    from shared.mongo import make_client

    client = make_client(mongodb_uri)
    try:
        store = UserStore(client[database], session_secret, session_hours=8)
        for user in DEMO_USERS:
            await store.ensure_user(password=DEMO_PASSWORD, **user)
    finally:
        await client.close()
