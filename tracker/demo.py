"""Demonstration data: plainly fake partnerships, users and cases (no real people)."""

import random
from datetime import timedelta

import sqlalchemy as sa

from tracker.domains import registered_domains
from tracker.extensions import db
from tracker.models import Partnership, User
from tracker.passwords import hash_password
from tracker.roles import Role
from tracker.timeutil import london_today

DEMO_PASSWORD = "demo-password-not-for-real-use"  # noqa: S105 (printed for demo users)

DEMO_PARTNERSHIPS = [
    ("NSP", "Northshire Child Death Overview Panel and Safeguarding Partnership (demo)"),
    ("SVP", "Southvale Safeguarding Children Partnership (demo)"),
]

# (email, name, role, partnership codes). Names are plainly fictional.
DEMO_USERS = [
    ("admin@example.org", "Demo System Administrator", Role.SYSTEM_ADMIN, ["NSP", "SVP"]),
    ("cdop.admin@example.org", "Demo CDOP Administrator", Role.CDOP_ADMIN, ["NSP"]),
    ("designated.doctor@example.org", "Demo Designated Doctor", Role.DESIGNATED_DOCTOR, ["NSP"]),
    ("business.unit@example.org", "Demo Business Unit Manager", Role.BUSINESS_UNIT, ["NSP"]),
    ("panel.member@example.org", "Demo CDOP Member", Role.PANEL_MEMBER, ["NSP"]),
    ("auditor@example.org", "Demo Auditor", Role.AUDITOR, ["NSP", "SVP"]),
]


def seed_people():
    """Create the demo partnerships and users, only when the database has no users."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        return []
    partnerships = {}
    for code, name in DEMO_PARTNERSHIPS:
        existing = db.session.scalar(sa.select(Partnership).where(Partnership.code == code))
        partnerships[code] = existing or Partnership(code=code, name=name)
        db.session.add(partnerships[code])
    password_hash = hash_password(DEMO_PASSWORD)
    users = []
    for email, name, role, codes in DEMO_USERS:
        user = User(email=email, full_name=name, role=role.value, password_hash=password_hash)
        user.partnerships = [partnerships[c] for c in codes]
        db.session.add(user)
        users.append(user)
    db.session.commit()
    return users


def seed_cases(count, random_seed=2018, today=None, batch_size=5000):
    """Add `count` synthetic cases, shared in turn between the domains that seed demo data."""
    rng = random.Random(random_seed)
    today = today or london_today()
    partnerships = db.session.scalars(sa.select(Partnership).order_by(Partnership.id)).all()
    if not partnerships:
        raise RuntimeError("Run `flask demo seed` without --cases first: there is no partnership.")
    seeders = [domain.demo for domain in registered_domains() if domain.demo is not None]
    if not seeders:
        return 0
    start = _next_sequence(seeders)
    numbers = range(start, start + count)
    for position, seeder in enumerate(seeders):
        seeder.seed(rng, partnerships, numbers[position :: len(seeders)], today)
    db.session.commit()
    _after_cases_seeded()
    seed_directory(partnerships[0])
    for seeder in seeders:
        if seeder.after_deadlines is not None:
            seeder.after_deadlines(today)
    db.session.commit()
    return count


# The first partnership's agency directory: plainly fake agencies and example.org addresses.
DEMO_DIRECTORY = (
    ("Northshire Police (demo)", "police",
     (("Demo Safeguarding Desk", "Child death desk", "police.desk@example.org", False),
      ("Demo Detective Inspector", "Escalation", "police.di@example.org", True))),
    ("Hill Street Surgery (demo)", "gp",
     (("Demo Practice Manager", "Practice manager", "hill.surgery@example.org", True),)),
    ("Northshire Hospitals NHS Trust (demo)", "acute_trust",
     (("Demo Named Nurse", "Named nurse for safeguarding", "named.nurse@example.org", True),)),
)


def seed_directory(partnership):
    """The partnership's demo agency directory, when it has none yet (flushed)."""
    from tracker import agencies

    if agencies.agencies_of([partnership.id]):
        return
    for name, kind, contacts in DEMO_DIRECTORY:
        agency = agencies.add_agency(partnership, name, kind)
        for contact_name, role, email, escalation in contacts:
            agencies.add_contact(agency, contact_name, role, email, escalation)


def insert_rows(table, rows, batch_size=5000):
    """Bulk-insert demo rows in batches (a domain's seeder builds them as plain dicts)."""
    for i in range(0, len(rows), batch_size):
        db.session.execute(sa.insert(table), rows[i : i + batch_size])


def _after_cases_seeded():
    """Compute the stored deadlines of every case (bulk, not one by one), then refresh the
    planner's statistics (PostgreSQL) so the pages are planned for this many rows at once."""
    from tracker import deadline_bulk
    from tracker.db_maintenance import analyze

    deadline_bulk.rebuild_all()
    analyze()


def has_cases():
    """Whether any domain holds a case."""
    return any(domain.demo.count() for domain in registered_domains() if domain.demo)


def _next_sequence(seeders):
    """The number after the highest demo case so far, so seeding twice adds more."""
    return sum(seeder.count() for seeder in seeders) + 1


def maybe_met(rng, trigger, low, high):
    """Most deadlines were met a few days after their trigger; some are still open."""
    if trigger is None or rng.random() < 0.2:
        return None
    return trigger + timedelta(days=rng.randint(low, high))

