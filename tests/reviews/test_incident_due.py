"""The figure the database keeps on each serious incident from its open deadlines
(reviews.incident_due.overdue_from) always equals a recount from the deadlines, whoever writes
them; and the tracker list's overdue filter reads it, finding exactly the incidents it found
by matching every overdue deadline (tracker.overdue_owners), without reading a deadline."""

from datetime import timedelta
from functools import partial

import sqlalchemy as sa

from reviews.models import SeriousIncident
from reviews.services import lists
from tests import due_figures
from tests.due_figures import SEED_TODAY
from tests.tracker.test_audit import count_queries
from tracker import deadline_bulk, deadline_service, overdue_owners
from tracker.deadline_models import Deadline
from tracker.extensions import db


def kept():
    return dict(db.session.execute(
        sa.select(SeriousIncident.id, SeriousIncident.overdue_from)).all())


def recounted():
    """{incident id: overdue_from} worked out here, deadline by deadline."""
    figures = dict.fromkeys(db.session.scalars(sa.select(SeriousIncident.id)))
    for row in db.session.scalars(sa.select(Deadline).where(
            Deadline.owner_type == "serious_incident", Deadline.met_on.is_(None),
            Deadline.not_applicable_reason.is_(None), Deadline.paused_reason.is_(None),
            Deadline.due_date.is_not(None),
            Deadline.rule_key.not_in(deadline_service.NOT_THE_PARTNERSHIPS))):
        if row.owner_id in figures:
            later = max(row.due_date, row.extended_to or row.due_date)
            old = figures[row.owner_id]
            figures[row.owner_id] = later if old is None or later < old else old
    return figures


# assert_exact(): the figures the triggers kept, read afresh, equal the recount (returns them).
# The `seeded` fixture is in tests/conftest.py.
assert_exact = partial(due_figures.assert_exact, kept, recounted)


def test_the_seed_leaves_every_incident_its_overdue_date(seeded):
    found = assert_exact()
    assert any(value is not None and value < SEED_TODAY for value in found.values())
    assert any(value is None for value in found.values())


def test_met_paused_extended_deleted_and_recomputed_deadlines_are_recounted(seeded):
    first, second, third, fourth = due_figures.open_deadlines("serious_incident")[:4]
    first.met_on = SEED_TODAY
    second.paused_reason = "Waiting for the police"
    third.extended_to = third.due_date + timedelta(days=40)
    fourth.not_applicable_reason = "Not needed"
    db.session.commit()
    assert_exact()
    first.met_on = None
    second.paused_reason = None
    db.session.commit()
    assert_exact()
    db.session.execute(sa.delete(Deadline).where(Deadline.id % 5 == 0))
    db.session.commit()
    assert_exact()
    deadline_bulk.recompute_all()
    db.session.commit()
    assert_exact()


def test_the_overdue_filter_finds_the_same_incidents_without_reading_a_deadline(seeded):
    partnership_id = db.session.scalar(
        sa.select(SeriousIncident.partnership_id).where(SeriousIncident.overdue_from.is_not(None))
        .order_by(SeriousIncident.id))
    dates = sorted(value for value in db.session.scalars(
        sa.select(SeriousIncident.overdue_from).where(
            SeriousIncident.partnership_id == partnership_id)) if value is not None)
    today = dates[len(dates) // 2]  # some overdue, some not yet
    expected = set(db.session.scalars(overdue_owners.overdue_owner_ids(
        "serious_incident", [partnership_id], today)))
    assert expected
    with count_queries() as statements:
        found = lists.tracker_list(lists.TrackerFilters(overdue=True), [partnership_id], 1,
                                   today, per_page=500)
    assert {row.id for row in found.rows} == expected
    assert found.total == len(expected)
    # Only the page's rows read their next deadline (the list's shown column).
    assert not [s for s in statements if "FROM deadline" in s and ") AS page" not in s]
