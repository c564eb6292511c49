"""Demo serious incidents: plainly invented, dates only."""

from datetime import timedelta

import sqlalchemy as sa

from reviews.models import SeriousIncident
from tracker.demo import insert_rows, maybe_met
from tracker.extensions import db


def seed(rng, partnerships, numbers, today):
    """Insert one synthetic case per number, across the partnerships in turn."""
    rows = [
        _fake_incident(rng, partnerships[i % len(partnerships)], n, today)
        for i, n in enumerate(numbers)
    ]
    insert_rows(SeriousIncident.__table__, rows)
    return len(rows)


def count():
    """How many cases there are."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(SeriousIncident)) or 0


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
        "panel_notified_on": maybe_met(rng, aware, 1, 8),
        "partners_notified_on": maybe_met(rng, aware, 1, 8),
        "rapid_review_sent_on": maybe_met(rng, aware, 10, 30),
        "decision": (rng.choice(["local", "national", "none"]) if decided else None),
        "decision_on": decision_on,
        "planned_publication_on": decision_on + timedelta(days=180) if decision_on else None,
    }
