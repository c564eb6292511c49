"""The deadline tally behind the compliance page: kept exact by the database whoever writes a
deadline, and giving the same figures as counting every deadline, for any period."""

import threading
import time
from datetime import date

import pytest
import sqlalchemy as sa

from tests.tracker.test_compliance import deadline
from tracker import compliance, compliance_tally, deadline_bulk, demo
from tracker.compliance import Period
from tracker.compliance_tally import DeadlineTally
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.models import ClosureDay, Partnership, User

SEED_TODAY = date(2026, 11, 23)
OWNERS = ["cdr_case", "cdr_agency_request", "serious_incident", "reviews_yearly_report"]


def tally_rows():
    """The tally as the triggers left it, in a fixed order."""
    table = DeadlineTally.__table__
    return [tuple(row) for row in db.session.execute(sa.select(*table.c).order_by(*table.c))]


def assert_tally_exact():
    """The tally the triggers kept is the one a full recount makes."""
    kept = tally_rows()
    compliance_tally.rebuild()
    assert kept == tally_rows()
    assert kept, "the tally should hold the seeded deadlines"


@pytest.fixture
def seeded(app):
    """Demo people and 90 synthetic cases of both domains, with their deadlines."""
    demo.seed_people()
    demo.seed_cases(90, today=SEED_TODAY)
    return db.session.scalars(sa.select(Partnership).order_by(Partnership.id)).all()


@pytest.mark.parametrize(("start", "end", "months", "left"), [
    (date(2025, 4, 1), date(2026, 3, 31), (date(2025, 4, 1), date(2026, 3, 1)), []),
    (date(2025, 4, 15), date(2025, 6, 14), (date(2025, 5, 1), date(2025, 5, 1)),
     [(date(2025, 4, 15), date(2025, 4, 30)), (date(2025, 6, 1), date(2025, 6, 14))]),
    (date(2024, 2, 1), date(2024, 2, 29), (date(2024, 2, 1), date(2024, 2, 1)), []),
    (date(2025, 1, 3), date(2025, 1, 20), None, [(date(2025, 1, 3), date(2025, 1, 20))]),
    (date(2025, 1, 1), date(2025, 1, 30), None, [(date(2025, 1, 1), date(2025, 1, 30))]),
    (date(2025, 1, 31), date(2025, 3, 1), (date(2025, 2, 1), date(2025, 2, 1)),
     [(date(2025, 1, 31), date(2025, 1, 31)), (date(2025, 3, 1), date(2025, 3, 1))]),
    # The form takes any 4-digit year: the last months there are have no month after them.
    (date(9999, 12, 15), date(9999, 12, 31), None, [(date(9999, 12, 15), date(9999, 12, 31))]),
])
def test_a_period_is_whole_months_and_the_days_left_over(start, end, months, left):
    found_months, found_left = compliance.split_period(Period(start, end))
    assert found_months == (Period(*months) if months else None)
    assert found_left == [Period(*days) for days in left]


def test_days_a_period_cuts_through_are_counted_one_by_one(app, partnership):
    """15 April to 14 June: the deadlines due on 14 April and 15 June stay out."""
    for due in (date(2025, 4, 14), date(2025, 4, 15), date(2025, 5, 20), date(2025, 6, 14),
                date(2025, 6, 15)):
        deadline(partnership, due=due, met=due)
    deadline(partnership, due=date(2025, 4, 30), met=date(2025, 5, 3))  # late by 3
    deadline(partnership, due=date(2025, 6, 2))  # missed on 16 June
    _, total = compliance.rule_compliance(
        partnership.id, Period(date(2025, 4, 15), date(2025, 6, 14)), ["cdr_case"],
        date(2025, 6, 16))
    assert (total.due, total.met_on_time, total.met_late, total.missed) == (5, 3, 1, 1)
    assert total.median_days_late == 3


def test_an_open_deadline_turns_missed_the_day_after_its_extended_date(app, partnership):
    """What the tally stores does not depend on the day: the report decides it."""
    deadline(partnership, due=date(2025, 5, 1), extended_to=date(2025, 6, 20),
             extension_reason="Agreed")
    period = Period(date(2025, 4, 1), date(2025, 6, 30))
    for today, outstanding, missed in ((date(2025, 6, 20), 1, 0), (date(2025, 6, 21), 0, 1)):
        _, total = compliance.rule_compliance(partnership.id, period, ["cdr_case"], today)
        assert (total.outstanding, total.missed, total.extended) == (outstanding, missed, 1)


def test_the_tally_stays_exact_after_every_kind_of_write(app, seeded):
    """Seeding (bulk inserts), the bulk recompute, ORM edits, a transfer, deletes, raw SQL."""
    assert_tally_exact()
    northshire, other = seeded[0], seeded[1]
    for day in (date(2025, 12, 24), date(2026, 4, 7), date(2026, 11, 24)):
        db.session.add(ClosureDay(partnership=northshire, day=day, description="Closed"))
    db.session.flush()
    assert deadline_bulk.recompute_partnership(northshire) > 0
    db.session.commit()
    assert_tally_exact()

    rows = db.session.scalars(sa.select(Deadline).order_by(Deadline.id).limit(40)).all()
    for n, row in enumerate(rows):  # every column the tally reads, through the ORM
        if n % 5 == 0:
            row.met_on = row.due_date and date.fromordinal(row.due_date.toordinal() + n % 9)
        elif n % 5 == 1:
            row.extended_to, row.extension_reason = date(2026, 12, 31), "Agreed"
        elif n % 5 == 2:
            row.paused_reason = "Inquest"
        elif n % 5 == 3:
            row.not_applicable_reason = "Not needed"
        else:
            row.due_date = None if n % 2 else date(2025, 2, 28)
    db.session.commit()
    assert_tally_exact()

    case_id = db.session.scalar(sa.text(
        "SELECT owner_id FROM deadline WHERE owner_type = 'cdr_case' AND partnership_id = :p "
        "LIMIT 1"), {"p": northshire.id})
    _transfer(case_id, other)
    assert_tally_exact()

    db.session.execute(sa.delete(Deadline).where(Deadline.id % 7 == 0))
    db.session.execute(sa.text("UPDATE deadline SET met_on = NULL, partnership_id = :p "
                               "WHERE id % 5 = 0"), {"p": other.id})
    db.session.delete(db.session.scalars(sa.select(Deadline).limit(1)).one())
    db.session.commit()
    assert_tally_exact()


def _transfer(case_id, to_partnership):
    """Transfer a child death case through the domain's own service."""
    from cdr.models import ChildDeathCase
    from cdr.services import transfers

    case = db.session.get(ChildDeathCase, case_id)
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@example.org"))
    transfers.transfer(case, to_partnership, "Lived elsewhere", admin, SEED_TODAY)
    db.session.commit()


@pytest.mark.parametrize(("start", "end"), [
    (date(2025, 4, 1), date(2026, 3, 31)),
    (date(2024, 11, 23), date(2026, 11, 30)),
    (date(2025, 12, 1), date(2026, 11, 22)),
])
def test_figures_from_the_tally_are_those_of_counting_every_deadline(app, seeded, monkeypatch,
                                                                     start, end):
    """The report for a period (whole months from the tally) against the same period counted
    deadline by deadline, for each partnership, with a few set aside."""
    db.session.execute(sa.text(
        "UPDATE deadline SET paused_reason = 'Inquest' WHERE id % 11 = 0"))
    db.session.execute(sa.text(
        "UPDATE deadline SET not_applicable_reason = 'No' WHERE id % 13 = 0"))
    db.session.commit()
    period = Period(start, end)
    for partnership in seeded:
        from_tally = compliance.rule_compliance(partnership.id, period, OWNERS, SEED_TODAY)
        one_by_one = _counted_one_by_one(monkeypatch, partnership.id, period)
        assert from_tally == one_by_one
        assert from_tally[1] is None or from_tally[1].due > 0


def _counted_one_by_one(monkeypatch, partnership_id, period):
    """rule_compliance with every deadline counted from the deadline table."""
    where = compliance._counted(partnership_id, period, OWNERS)
    rows = db.session.execute(sa.union_all(*compliance._grouped(where, SEED_TODAY))).all()
    with monkeypatch.context() as patched:
        patched.setattr(compliance, "_counts", lambda *args: rows)
        return compliance.rule_compliance(partnership_id, period, OWNERS, SEED_TODAY)


def test_two_saves_of_one_partnerships_deadlines_take_turns_instead_of_deadlocking(
        app, partnership):
    """On PostgreSQL, two transactions extending different deadlines whose tally rows they
    share, in opposite orders: without the partnership lock one was rolled back as a
    deadlock; with it the second waits for the first, and both are saved and counted."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("needs two connections to one database (PostgreSQL)")
    first_day, second_day = date(2025, 5, 1), date(2025, 5, 2)
    a, d = deadline(partnership, due=first_day).id, deadline(partnership, due=first_day).id
    b, c = deadline(partnership, due=second_day).id, deadline(partnership, due=second_day).id
    db.session.remove()
    extend = sa.text("UPDATE deadline SET extended_to = due_date + 10 + id, "
                     "extension_reason = 'Agreed' WHERE id = :id")
    started, errors = threading.Event(), []

    def save(first, second, wait_first, pause):
        try:
            with app.app_context(), db.engine.connect() as conn, conn.begin():
                if wait_first:
                    started.wait(10)
                conn.execute(extend, {"id": first})
                started.set()
                time.sleep(pause)
                conn.execute(extend, {"id": second})
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=save, args=(a, c, False, 0.5)),
               threading.Thread(target=save, args=(b, d, True, 0.1))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    extended = db.session.scalars(sa.select(Deadline.extended_to).where(
        Deadline.id.in_([a, b, c, d]))).all()
    assert None not in extended
    assert_tally_exact()
