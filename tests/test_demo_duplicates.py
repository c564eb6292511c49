"""The demo stores no record twice: its incidents each have their own pseudonym, so the
partnership's "Records stored twice" page lists only what a user really stored twice."""

from datetime import date

import sqlalchemy as sa

from reviews.models import SeriousIncident
from tracker import demo
from tracker.extensions import db


def test_no_two_demo_incidents_seem_to_be_one(app):
    demo.seed_people()
    demo.seed_cases(2000, today=date(2026, 11, 23))
    key = (SeriousIncident.partnership_id, sa.func.lower(SeriousIncident.child_reference),
           SeriousIncident.incident_date, SeriousIncident.la_aware_on)

    incidents = db.session.scalar(sa.select(sa.func.count()).select_from(SeriousIncident))
    repeated = db.session.execute(
        sa.select(*key).group_by(*key).having(sa.func.count() > 1)).all()

    assert incidents > 100
    assert repeated == []
