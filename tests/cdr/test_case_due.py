"""The figures the database keeps on each case from its open deadlines (cdr.case_due) always
equal a recount from the deadlines themselves, whoever writes them: the bulk seed, the ORM,
raw SQL, the bulk recompute, a transfer, deadlines moved to another case (a merge), deletes;
and My cases and the overdue filter, which read them, read no deadline."""

from datetime import timedelta
from functools import partial

import sqlalchemy as sa

from cdr import case_due
from cdr.models import ChildDeathCase
from cdr.services import lists, my_cases, transfers
from tests import due_figures
from tests.due_figures import SEED_TODAY
from tests.factories import make_user
from tests.tracker.test_audit import count_queries
from tracker import deadline_bulk, deadline_service
from tracker.deadline_models import Deadline
from tracker.extensions import db


def kept():
    """{case id: its four figures} as the triggers left them."""
    case = ChildDeathCase
    return {row[0]: tuple(row[1:]) for row in db.session.execute(
        sa.select(case.id, case.next_due, case.next_unpaused_due, case.meeting_open,
                  case.overdue_from))}


def recounted():
    """{case id: its four figures} worked out here, deadline by deadline."""
    figures = {case_id: [None, None, False, None]
               for case_id in db.session.scalars(sa.select(ChildDeathCase.id))}

    def earliest(old, new):
        return new if old is None or (new is not None and new < old) else old

    for row in db.session.scalars(sa.select(Deadline).where(
            Deadline.owner_type == "cdr_case", Deadline.met_on.is_(None),
            Deadline.not_applicable_reason.is_(None),
            Deadline.rule_key.not_in(deadline_service.NOT_THE_PARTNERSHIPS))):
        if row.owner_id not in figures:
            continue
        these = figures[row.owner_id]
        due = row.extended_to or row.due_date
        if row.item == "":
            these[0] = earliest(these[0], due)
            if row.paused_reason is None:
                these[1] = earliest(these[1], due)
            these[2] = these[2] or row.rule_key in case_due.MEETINGS
        if row.paused_reason is None and row.due_date is not None:
            later = max(row.due_date, row.extended_to or row.due_date)
            these[3] = earliest(these[3], later)
    return {case_id: tuple(these) for case_id, these in figures.items()}


# assert_exact(): the figures the triggers kept, read afresh, equal the recount (returns them).
# The `seeded` fixture is in tests/conftest.py.
assert_exact = partial(due_figures.assert_exact, kept, recounted)


def test_the_bulk_seed_leaves_every_case_its_figures(seeded):
    found = assert_exact()
    assert any(figures[0] is not None for figures in found.values())
    assert any(figures[2] for figures in found.values())
    assert any(figures[3] is not None and figures[3] < SEED_TODAY
               for figures in found.values())


def test_met_paused_extended_set_aside_and_reopened_deadlines_are_recounted(seeded):
    first, second, third, fourth, fifth = due_figures.open_deadlines("cdr_case")[:5]
    first.met_on = SEED_TODAY
    second.paused_reason = "Waiting for the coroner"
    third.extended_to = third.due_date + timedelta(days=40)
    fourth.not_applicable_reason = "Not a JAR case"
    fifth.extended_to = fifth.due_date - timedelta(days=3)  # earlier: its due date stands
    db.session.commit()
    assert_exact()
    first.met_on = None
    second.paused_reason = None
    db.session.commit()
    assert_exact()


def test_raw_sql_updates_and_deletes_and_the_bulk_recompute(seeded):
    db.session.execute(sa.update(Deadline).where(Deadline.id % 3 == 0)
                       .values(met_on=SEED_TODAY))
    db.session.execute(sa.update(Deadline).where(Deadline.id % 7 == 0)
                       .values(due_date=sa.null()))
    db.session.execute(sa.delete(Deadline).where(Deadline.id % 5 == 0))
    db.session.commit()
    assert_exact()
    deadline_bulk.recompute_all()
    db.session.commit()
    assert_exact()
    db.session.execute(sa.delete(Deadline))
    db.session.commit()
    assert set(assert_exact().values()) == {(None, None, False, None)}


def test_a_new_case_and_its_synced_deadlines_then_a_transfer(seeded):
    case = db.session.scalars(sa.select(ChildDeathCase).where(
        ChildDeathCase.closed_on.is_(None)).order_by(ChildDeathCase.id)).first()
    case.jar_required = True
    deadline_service.sync_case(case)
    db.session.commit()
    assert_exact()
    to = next(p for p in seeded if p.id != case.partnership_id)
    transfers.transfer(case, to, "The child lived there", make_user(partnerships=seeded),
                       SEED_TODAY)
    db.session.commit()
    assert_exact()


def test_deadlines_moved_to_another_case_as_a_merge_would(seeded):
    kept_case, merged = db.session.scalars(
        sa.select(ChildDeathCase.id).where(ChildDeathCase.next_due.is_not(None))
        .order_by(ChildDeathCase.id)).all()[:2]
    db.session.execute(sa.update(Deadline).where(
        Deadline.owner_type == "cdr_case", Deadline.owner_id == merged)
        .values(owner_id=kept_case, item="merged"))
    db.session.commit()
    found = assert_exact()
    assert found[merged] == (None, None, False, None)
    db.session.execute(sa.update(Deadline).where(
        Deadline.owner_type == "cdr_case", Deadline.owner_id == kept_case)
        .values(owner_type="cdr_agency_request"))
    db.session.commit()
    assert assert_exact()[kept_case] == (None, None, False, None)


def test_my_cases_and_the_overdue_filter_read_no_deadline(seeded):
    doctor_id, partnership_id = db.session.execute(
        sa.select(ChildDeathCase.designated_doctor_id, ChildDeathCase.partnership_id)
        .where(ChildDeathCase.designated_doctor_id.is_not(None))).first()
    rules = deadline_service.load_rules([partnership_id])
    with count_queries() as statements:
        doctor = db.session.execute(my_cases.my_cases(
            doctor_id, [partnership_id], SEED_TODAY, rules, 5)).all()
        overdue = lists.case_list(lists.CaseFilters(overdue=True), [partnership_id], 1,
                                  SEED_TODAY)
    assert doctor and overdue.rows
    # Only each page's next deadline (the case list's shown column) is read from deadlines.
    assert not [s for s in statements if "FROM deadline" in s and "LIMIT" not in s]
    partnership_of = dict(db.session.execute(
        sa.select(ChildDeathCase.id, ChildDeathCase.partnership_id)).all())
    expected = {case_id for case_id, figures in recounted().items()
                if partnership_of[case_id] == partnership_id
                and figures[3] is not None and figures[3] < SEED_TODAY}
    assert overdue.total == len(expected)
    assert {row.id for row in overdue.rows} <= expected
