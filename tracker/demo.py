"""Demonstration data: plainly fake partnerships, users and cases (no real people)."""

import random
from datetime import timedelta

import sqlalchemy as sa

from cdr.models import ChildDeathCase
from reviews.models import SeriousIncident
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
    ("panel.member@example.org", "Demo Panel Member", Role.PANEL_MEMBER, ["NSP"]),
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
    """Add `count` synthetic cases, split between child deaths and serious incidents."""
    rng = random.Random(random_seed)
    today = today or london_today()
    partnerships = db.session.scalars(sa.select(Partnership).order_by(Partnership.id)).all()
    if not partnerships:
        raise RuntimeError("Run `flask demo seed` without --cases first: there is no partnership.")
    start = _next_sequence()
    cdr_rows, incident_rows = [], []
    for n in range(start, start + count):
        partnership = partnerships[n % len(partnerships)]
        if n % 2 == 0:
            cdr_rows.append(_fake_death(rng, partnership, n, today))
        else:
            incident_rows.append(_fake_incident(rng, partnership, n, today))
    for table, rows in ((ChildDeathCase.__table__, cdr_rows),
                        (SeriousIncident.__table__, incident_rows)):
        for i in range(0, len(rows), batch_size):
            db.session.execute(sa.insert(table), rows[i : i + batch_size])
    db.session.commit()
    _after_cases_seeded()
    return count


def _after_cases_seeded():
    """Compute the stored deadlines of every case (bulk, not one by one)."""
    from tracker import deadline_service

    deadline_service.rebuild_all()


def has_cases():
    """Whether any child death case or incident exists."""
    return _next_sequence() > 1


def _next_sequence():
    """The number after the highest demo case so far, so seeding twice adds more."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(ChildDeathCase)) or 0
    total += db.session.scalar(sa.select(sa.func.count()).select_from(SeriousIncident)) or 0
    return total + 1


def _fake_death(rng, partnership, n, today):
    """A synthetic child death case row: dates only, nobody real."""
    died = today - timedelta(days=rng.randint(0, 3 * 365))
    notified = died + timedelta(days=rng.randint(0, 3))
    registered = died + timedelta(days=rng.randint(1, 10)) if rng.random() < 0.8 else None
    coroner = died + timedelta(days=rng.randint(0, 4)) if rng.random() < 0.4 else None
    return {
        "partnership_id": partnership.id,
        "reference": f"CDOP-{partnership.code}-{died.year}-{n:06d}",
        "stage": rng.choice(["notified", "information", "cdrm", "panel", "closed"]),
        "date_of_death": died,
        "notification_received_on": notified,
        "death_registered_on": registered,
        "registrar_notified_on": _maybe_met(rng, registered, 3, 12),
        "coroner_decision_on": coroner,
        "coroner_notified_on": _maybe_met(rng, coroner, 0, 6),
        "jar_required": rng.random() < 0.35,
    }


def _fake_incident(rng, partnership, n, today):
    """A synthetic serious incident row: dates only, nobody real."""
    aware = today - timedelta(days=rng.randint(0, 3 * 365))
    decided = rng.random() < 0.6 and aware + timedelta(days=rng.randint(20, 40)) < today
    decision_on = aware + timedelta(days=rng.randint(20, 40)) if decided else None
    return {
        "partnership_id": partnership.id,
        "reference": f"CSPR-{partnership.code}-{aware.year}-{n:06d}",
        "stage": rng.choice(["notified", "rapid_review", "decision", "review", "published"]),
        "incident_date": aware - timedelta(days=rng.randint(0, 5)),
        "la_aware_on": aware,
        "child_died": rng.random() < 0.4,
        "looked_after": rng.random() < 0.15,
        "panel_notified_on": _maybe_met(rng, aware, 1, 8),
        "partners_notified_on": _maybe_met(rng, aware, 1, 8),
        "rapid_review_sent_on": _maybe_met(rng, aware, 10, 30),
        "decision": (rng.choice(["local", "national", "none"]) if decided else None),
        "decision_on": decision_on,
        "planned_publication_on": decision_on + timedelta(days=180) if decision_on else None,
    }


def _maybe_met(rng, trigger, low, high):
    """Most deadlines were met a few days after their trigger; some are still open."""
    if trigger is None or rng.random() < 0.2:
        return None
    return trigger + timedelta(days=rng.randint(low, high))

