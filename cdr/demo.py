"""Demo child death cases: plainly invented, dates only."""

from datetime import timedelta

import sqlalchemy as sa

from cdr.models import ChildDeathCase
from tracker.demo import insert_rows, maybe_met
from tracker.extensions import db


def seed(rng, partnerships, numbers, today):
    """Insert one synthetic case per number, across the partnerships in turn."""
    rows = [
        _fake_death(rng, partnerships[i % len(partnerships)], n, today)
        for i, n in enumerate(numbers)
    ]
    insert_rows(ChildDeathCase.__table__, rows)
    return len(rows)


def count():
    """How many cases there are."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(ChildDeathCase)) or 0


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
        "registrar_notified_on": maybe_met(rng, registered, 3, 12),
        "coroner_decision_on": coroner,
        "coroner_notified_on": maybe_met(rng, coroner, 0, 6),
        "jar_required": rng.random() < 0.35,
    }
