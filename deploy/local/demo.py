"""Demo data: a book of business of about 40 small-business groups and the
five demo sign-ins. Used only in demo mode (the embedded default).

The groups are handed to the groups service (``RegisterGroup``, standing in
for the insurer's group feed), which keeps them and publishes them; the
enrolled members are published as reference events, as the insurer's member
system would; the services project them.
"""

from __future__ import annotations

import base64
import hashlib
import random
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from faststream.kafka import KafkaBroker

from services.transactions.adapters import MongoTransactionStore
from services.transactions.domain import KINDS, Record, Transaction
from services.transactions.use_cases import announced
from shared.contracts.envelope import Actor
from shared.contracts.reference import Address, Contact, GroupRegistered, MemberEnrolled, Plan, RegisterGroup, Subgroup
from shared.contracts.topics import Topics
from shared.contracts.transactions import TransactionRecorded
from shared.mongo import make_client
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


# Months from this one in which the demo groups renew, in turn: next month the
# busiest (more than Review Your Renewals shows, so View More has more).
RENEWAL_OFFSETS = (1, 0, 1, 2, 1, 3, 4, 1, 5, 2, 6, 7)


def demo_renewal(today: date, index: int) -> date:
    """Renewals over this month and the seven after it (every one of Review
    Your Renewals' six months has some for each broker, across a year end when
    there is one), on days 1 to 28."""
    months = today.month - 1 + RENEWAL_OFFSETS[(index // 2) % len(RENEWAL_OFFSETS)]  # odd and even alike
    return date(today.year + months // 12, months % 12 + 1, 1 + (index * 11) % 28)


def demo_size(index: int) -> int:
    """Eligible employees: every ninth group from the fourth has 100 or more
    (outside the Small Business tab); the others 4 to 63."""
    return 100 + (index * 17) % 90 if index % 9 == 4 else 4 + (index * 13) % 60


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
            acquired_recently = index % 5 == 0  # both brokers have a few (New, not in Review Your Renewals)
            groups.append(
                GroupRegistered(
                    event_id=f"demo:group:{group_id}",
                    correlation_id="demo-seed",
                    group_id=group_id,
                    name=name,
                    region=region_here,
                    broker_id="broker1" if index % 2 else "broker2",
                    subgroups=subgroups,
                    renewal_date=demo_renewal(today, index),
                    acquired_on=today
                    - timedelta(days=rng.randint(5, 80) if acquired_recently else rng.randint(120, 2000)),
                    size=demo_size(index),
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


# Where each region's demo groups are: city, state, ZIP prefix, area code, streets.
PLACES_OF_REGION = {
    "CA": [("San Francisco", "CA", "941", "415"), ("Oakland", "CA", "946", "510"), ("Sacramento", "CA", "958", "916")],
    "HI": [("Honolulu", "HI", "968", "808"), ("Kailua-Kona", "HI", "967", "808")],
    "CO": [("Denver", "CO", "802", "303"), ("Boulder", "CO", "803", "303")],
    "GA": [("Atlanta", "GA", "303", "404"), ("Savannah", "GA", "314", "912")],
    "MAS": [("Washington", "DC", "200", "202"), ("Baltimore", "MD", "212", "410"), ("Arlington", "VA", "222", "703")],
    "NW": [("Portland", "OR", "972", "503"), ("Salem", "OR", "973", "503")],
    "WA": [("Seattle", "WA", "981", "206"), ("Tacoma", "WA", "984", "253")],
}
STREETS = ["Market St", "Main St", "Oak Ave", "Pine St", "Harbor Blvd", "Park Ave", "Broadway", "Lake Dr"]
# (tier, plan name's middle): "KP CA Silver 70 HMO".
PLANS = [
    ("Bronze", "Bronze 60 HDHP HMO"),
    ("Silver", "Silver 70 HMO"),
    ("Gold", "Gold 80 HMO"),
    ("Platinum", "Platinum 90 HMO"),
]


def group_details(group: GroupRegistered, enrolled: int = 0) -> dict:
    """The rest of a demo group's record: addresses, contacts, phone, e-mail,
    current plans (its ``enrolled`` members shared among them, so the plans add
    up to the enrolled count the group page shows) and size, deterministic for
    its id (fictional 555-01xx numbers, example.com addresses)."""
    rng = random.Random(int(group.group_id))
    city, state, zip_prefix, area = rng.choice(PLACES_OF_REGION.get(group.region, PLACES_OF_REGION["CA"]))
    domain = "".join(c for c in group.name.lower() if c.isalnum()) + ".example.com"

    def phone() -> str:
        return f"({area}) 555-{rng.randint(100, 199):04d}"

    def address(line1: str, line2: str | None = None) -> Address:
        return Address(line1=line1, line2=line2, city=city, state=state, zip=f"{zip_prefix}{rng.randint(1, 99):02d}")

    first, last = rng.choice(FIRST), rng.choice(LAST)
    contacts = [
        Contact(name=f"{first} {last}", role="Primary contact", phone=phone(), email=f"{first.lower()}@{domain}")
    ]
    if int(group.group_id) % 2:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        contacts.append(Contact(name=f"{first} {last}", role="Billing", phone=phone(), email=f"billing@{domain}"))
    size = group.size if group.size is not None else rng.randint(4, 60)
    tiers = sorted(rng.sample(range(len(PLANS)), rng.randint(2, 3)))
    plans = [
        Plan(
            plan_id=f"{group.region}-{PLANS[t][0][:3].upper()}-{t + 1}",
            name=f"KP {group.region} {PLANS[t][1]}",
            metal_tier=PLANS[t][0],
            members=enrolled // len(tiers) + (1 if i < enrolled % len(tiers) else 0),
        )
        for i, t in enumerate(tiers)
    ]
    street = f"{rng.randint(100, 9800)} {rng.choice(STREETS)}"
    return {
        "physical_address": address(street, f"Suite {rng.randint(1, 40) * 10}" if rng.random() < 0.5 else None),
        "mailing_address": address(f"PO Box {rng.randint(100, 9999)}") if rng.random() < 0.4 else address(street),
        "contacts": contacts,
        "phone": phone(),
        "email": f"office@{domain}",
        "current_plans": plans,
        "size": size,
    }


def registration(group: GroupRegistered, enrolled: int = 0) -> RegisterGroup:
    """The demo group as the insurer's feed registers it with the groups service (a deterministic id)."""
    facts = group.model_dump(exclude={"event_id", "type", "schema_version", "occurred_at", "correlation_id", "version"})
    return RegisterGroup(
        **(facts | group_details(group, enrolled)),
        event_id=f"demo:register:{group.group_id}",
        correlation_id="demo-seed",
    )


async def publish_reference(bootstrap: str, topic_prefix: str, pii_key: str, today: date | None = None) -> int:
    """Hand the demo groups to the groups service (RegisterGroup: it publishes
    GroupRegistered) and publish the members as reference events
    (deterministic ids: seeding twice is harmless)."""
    groups, members = demo_book(today or date.today(), pii_key)
    topics = Topics(topic_prefix)
    broker = KafkaBroker(bootstrap, acks="all")
    await broker.connect()
    try:
        enrolled = Counter(m.group_id for m in members)
        for group in groups:
            await broker.publish(
                registration(group, enrolled[group.group_id]), topics.register_group, key=group.group_id.encode()
            )
        for member in members:
            await broker.publish(member, topics.member_enrolled, key=member.group_id.encode())
    finally:
        await broker.stop()
    return len(groups)


# Each broker's demo transactions: (type, status, days ago, instructions for Action Required).
DEMO_TRANSACTIONS = [
    ("Quote", "Open", 1, None),
    ("Group Enrollment", "Pending KP Review", 2, None),
    ("Renewal", "Open", 3, None),
    (
        "Quote",
        "Action Required",
        4,
        "Upload the signed employer application. Contact: Maria Lopez, KP Broker Services, 1-800-555-0134",
    ),
    (
        "Group Enrollment",
        "Action Required",
        7,
        "Confirm the employer contribution for part-time employees. "
        "Contact: James Chen, KP Small Business Underwriting, 1-800-555-0178",
    ),
    ("Renewal", "Pending KP Review", 9, None),
    ("Quote", "Completed", 12, None),
    ("Group Enrollment", "Open", 15, None),
    ("Quote", "Pending KP Review", 20, None),
    (
        "Renewal",
        "Action Required",
        25,
        "Send the updated census for the renewal. Contact: Aiko Tanaka, KP Broker Services, 1-800-555-0134",
    ),
    ("Group Enrollment", "Completed", 30, None),
    ("Mass Enrollment", "Completed", 40, None),
    ("Renewal", "Completed", 45, None),
]
ID_PREFIX = {"Quote": "QT", "Group Enrollment": "EN", "Renewal": "RN", "Mass Enrollment": "ME"}
ADMINS = {ADMIN1_GROUP: "admin1", ADMIN2_GROUP: "admin2"}


def transaction_id(kind: str, seed: str) -> str:
    """A readable, deterministic id: QT-7K3M-2P9X (Crockford's alphabet, as the confirmation IDs)."""
    code = base64.b32encode(hashlib.sha256(seed.encode()).digest()).decode()
    code = code.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHJKMNPQRSTVWXYZ"))
    return f"{ID_PREFIX[kind]}-{code[:4]}-{code[4:8]}"


def demo_transactions(today: date, groups: list[GroupRegistered]) -> list[TransactionRecorded]:
    """Quotes, group enrollments, renewals and a completed Mass Enrollment for
    each broker, of every status, over the past 45 days (standing in for the
    transactions service to come; deterministic ids: seeding twice is harmless).
    The administrators' groups have one each that their administrator started."""
    made = []
    for broker in ("broker1", "broker2"):
        book = sorted((g for g in groups if g.broker_id == broker), key=lambda g: g.group_id)
        for n, (kind, status, days_ago, instructions) in enumerate(DEMO_TRANSACTIONS):
            group = book[n % len(book)]
            made.append(
                TransactionRecorded(
                    event_id=f"demo:transaction:{broker}:{n}",
                    correlation_id="demo-seed",
                    transaction_id=transaction_id(kind, f"demo:{broker}:{n}"),
                    transaction_type=kind,
                    group_id=group.group_id,
                    group_name=group.name,
                    broker_id=broker,
                    created_at=datetime.combine(today - timedelta(days=days_ago), time(9 + n % 8, 15), UTC),
                    created_by=ADMINS.get(group.group_id, broker) if n == 0 else broker,
                    status=status,
                    instructions=instructions,
                    revision=1,
                )
            )
    return made


# Complete answers for each kind's steps (what a submission needs), as the screens save them.
DEMO_STEPS = {
    "Quote": {
        "census": {"zip": "94110", "region": "CA", "members": [{"date_of_birth": "1984-03-12"}]},
        "plans": {"plan_ids": ["CA-GLD-80"]},
        "coverage": {"effective_date": "2027-01-01"},
    },
    "Group Enrollment": {
        "group_information": {"legal_name": "Demo Co", "address": "100 Main St", "contact": "Ana Ruiz"},
        "plans": {"plan_ids": ["CA-GLD-80"]},
        "census": {"members": [{"date_of_birth": "1984-03-12"}]},
        "coverage": {"effective_date": "2027-01-01"},
    },
    "Renewal": {"renewal_plans": {"plan_ids": ["CA-GLD-80"]}, "coverage": {"effective_date": "2027-01-01"}},
}
REVIEWER = Actor(user_id="reviewer1", role="kp_reviewer")


def demo_records(today: date, groups: list[GroupRegistered]) -> list[tuple[Record, list[TransactionRecorded]]]:
    """The demo's quotes, group enrollments and renewals as the transactions service keeps them: each
    taken through the state machine to its status (started, answered, submitted, returned or
    approved by reviewer1), at the times the history shows, with the message announcing it."""
    made = []
    for seeded in demo_transactions(today, groups):
        if seeded.transaction_type not in KINDS:
            continue  # a Mass Enrollment submission is the applications service's
        started = seeded.created_at
        admin = ADMINS.get(seeded.group_id or "")
        actor = Actor(user_id=seeded.created_by, role="group_admin" if seeded.created_by == admin else "broker")
        steps = DEMO_STEPS[seeded.transaction_type]
        transaction = Transaction.start(
            seeded.transaction_id,
            seeded.transaction_type,
            actor,
            started,
            group_name=seeded.group_name,
            group_id=seeded.group_id,
            broker_id=seeded.broker_id,
            steps=dict(list(steps.items())[:1]),
        )
        if seeded.status != "Open":
            transaction.submit(actor, started + timedelta(minutes=20), steps)
        if seeded.status == "Action Required":
            text, _, contact = (seeded.instructions or "").partition(" Contact: ")
            name, _, phone = contact.rpartition(", ")
            transaction.return_for_action(REVIEWER, started + timedelta(hours=3), text, name, phone)
        elif seeded.status == "Completed":
            transaction.approve(REVIEWER, started + timedelta(hours=3))
        transaction.record["region"] = next(g.region for g in groups if g.group_id == seeded.group_id)
        made.append((transaction.record, announced(transaction.record, transaction.events[-1:], "demo-seed")))
    return made


async def seed_transactions(mongodb_uri: str, database: str, pii_key: str, today: date | None = None) -> int:
    """Keep the demo's quotes, group enrollments and renewals in the transactions service's database,
    with their messages in each one's outbox: the service's relay announces them to the dashboard, and
    their pages, Continue and the review queue work as for any other (an id seen already is left)."""
    groups, _ = demo_book(today or date.today(), pii_key)
    client = make_client(mongodb_uri)
    try:
        store = await MongoTransactionStore.open(client[database])
        return sum(
            [await store.create(record, messages) for record, messages in demo_records(today or date.today(), groups)]
        )
    finally:
        await client.close()


async def publish_transactions(bootstrap: str, topic_prefix: str, pii_key: str, today: date | None = None) -> int:
    """Publish the demo's Mass Enrollment submissions (the applications service's kind) as settled
    history (TransactionRecorded); the other kinds are the transactions service's (seed_transactions)."""
    groups, _ = demo_book(today or date.today(), pii_key)
    transactions = [t for t in demo_transactions(today or date.today(), groups) if t.transaction_type not in KINDS]
    broker = KafkaBroker(bootstrap, acks="all")
    await broker.connect()
    try:
        for transaction in transactions:
            topic = Topics(topic_prefix).transaction_recorded
            await broker.publish(transaction, topic, key=transaction.group_id.encode())
    finally:
        await broker.stop()
    return len(transactions)


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
