"""Demo cases and incidents have an owner, so the demo's reminders go to someone."""

from datetime import date

import sqlalchemy as sa

from cdr.models import ChildDeathCase
from reviews.models import SeriousIncident
from tracker import demo
from tracker.extensions import db
from tracker.models import Partnership, User


def _owners(model):
    """Partnership code -> the e-mail addresses of the owners of its demo records."""
    rows = db.session.execute(
        sa.select(Partnership.code, User.email)
        .join(model, model.partnership_id == Partnership.id)
        .outerjoin(User, User.id == model.owner_id)).all()
    found = {}
    for code, email in rows:
        found.setdefault(code, set()).add(email)
    return found


def test_demo_cases_are_owned_by_the_cdop_administrator_and_incidents_by_the_business_unit(app):
    demo.seed_people()
    demo.seed_cases(200, today=date(2026, 11, 23))

    assert _owners(ChildDeathCase)["NSP"] == {"cdop.admin@example.org"}
    assert _owners(SeriousIncident)["NSP"] == {"business.unit@example.org"}
    # Southvale has no CDOP administrator or business unit among the demo users.
    assert _owners(ChildDeathCase)["SVP"] == {None}
