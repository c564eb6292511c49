"""`flask demo seed` on any day: a weekend, a bank holiday, the year's end or 29 February
gives demo data whose deadlines are what a rebuild gives, as on an ordinary weekday."""

from datetime import date

import pytest
import sqlalchemy as sa

from cdr.models import ChildDeathCase, RapidResponseMeeting
from reviews.models import SeriousIncident
from tracker import deadline_bulk
from tracker.extensions import db


@pytest.mark.parametrize("today", [
    date(2026, 12, 5),  # a Saturday
    date(2026, 12, 6),  # a Sunday
    date(2026, 12, 28),  # the substitute Boxing Day, a bank holiday
    date(2026, 5, 4),  # the early May bank holiday
    date(2026, 12, 31),
    date(2028, 2, 29),
], ids=str)
def test_demo_seed_works_on_any_day(runner, clock, today):
    clock.set(today)

    result = runner.invoke(args=["demo", "seed", "--cases", "120"])

    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(sa.func.count(ChildDeathCase.id))) > 0
    assert db.session.scalar(sa.select(sa.func.count(SeriousIncident.id))) > 0
    assert deadline_bulk.rebuild_all() == deadline_bulk.Rebuilt(0, 0, 0)
    # Nothing is held or notified after the day it is: the demo's today is the clock's.
    assert db.session.scalar(sa.select(sa.func.max(ChildDeathCase.notification_received_on))) \
        <= today
    held = db.session.scalar(sa.select(sa.func.max(RapidResponseMeeting.meeting_on))
                             .where(RapidResponseMeeting.held))
    assert held is None or held < today
