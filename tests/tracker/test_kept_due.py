"""The figures the database keeps by triggers (tracker.kept_due: each case's and incident's
due figures; tracker.duplicates: the shared-key counts) agree with the rules they copy, stay
a recount of their rows when two transactions write at once on PostgreSQL, fire after the
tally trigger there, and can be recounted by `flask deadlines recount-kept`."""

import re
import threading
import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from cdr.models import ChildDeathCase
from reviews.models import SeriousIncident
from tracker import deadline_bulk, deadline_service, demo, duplicates, kept_due
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.models import Partnership

SEED_TODAY = date(2026, 11, 23)
HOLD = 1.5  # seconds the first transaction stays open after the second has started


def postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's triggers and locks")


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_each_owners_triggers_leave_out_exactly_the_rules_not_the_partnerships(app, dialect):
    assert {spec.owner for spec in kept_due.registered()} == {"cdr_case", "serious_incident"}
    for spec in kept_due.registered():
        sql = " ".join(spec.trigger_ddl(dialect))
        lists = re.findall(r"rule_key NOT IN \(([^)]*)\)", sql)
        assert lists
        for listed in lists:
            assert set(re.findall(r"'([^']*)'", listed)) == deadline_service.NOT_THE_PARTNERSHIPS


def test_postgresql_fires_the_kept_figures_after_the_tally_trigger(app):
    """PostgreSQL fires a table's triggers of one event in name order: the tally's (which takes
    the partnership's lock) must come before any that locks an owner row."""
    postgresql_only(app)
    names = db.session.scalars(sa.text(
        "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE c.oid = 'deadline'::regclass AND NOT t.tgisinternal ORDER BY t.tgname")).all()
    kept = [n for n, name in enumerate(names) if name.startswith("kept_due_")]
    assert len(kept) == 2
    assert names.index("deadline_tally_change") < min(kept)


@pytest.fixture
def seeded(app):
    demo.seed_people()
    demo.seed_cases(40, today=SEED_TODAY)
    db.session.commit()


def _two_open_deadlines(owner):
    """(owner id, [ids of its two earliest open deadlines]): two added to its first row."""
    row = db.session.scalars(sa.select(owner).order_by(owner.id)).first()
    added = [Deadline(partnership_id=row.partnership_id, owner_type=owner.__tablename__,
                      owner_id=row.id, rule_key=f"race_{n}", item=f"race {n}",
                      trigger_date=SEED_TODAY - timedelta(days=500),
                      due_date=SEED_TODAY - timedelta(days=400 - n)) for n in (1, 2)]
    db.session.add_all(added)
    db.session.commit()
    assert db.session.get(owner, row.id).overdue_from == added[0].due_date
    return row.id, [deadline.id for deadline in added]


def _at_once(first_sql, second_sql, params=({}, {})):
    """Run first_sql in one transaction and, while it is still open, second_sql in another
    (on its own thread); the first commits HOLD seconds later, then the second."""
    errors, engine = [], db.engine

    def second():
        try:
            with engine.begin() as conn:
                conn.execute(sa.text(second_sql), params[1])
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    with engine.connect() as conn:
        conn.execute(sa.text(first_sql), params[0])
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(HOLD)
        conn.commit()
    thread.join(30)
    assert not errors


@pytest.mark.parametrize("owner", [ChildDeathCase, SeriousIncident])
def test_two_deadlines_of_one_owner_met_at_once_leave_its_figure_a_recount(app, seeded, owner):
    postgresql_only(app)
    owner_id, (earliest, second) = _two_open_deadlines(owner)
    met = "UPDATE deadline SET met_on = :on WHERE id = :id"
    _at_once(met, met, ({"on": SEED_TODAY, "id": earliest}, {"on": SEED_TODAY, "id": second}))
    db.session.expire_all()
    expected = db.session.scalar(sa.text(
        "SELECT min(CASE WHEN extended_to > due_date THEN extended_to ELSE due_date END) "
        "FROM deadline WHERE owner_type = :owner AND owner_id = :id AND met_on IS NULL "
        "AND not_applicable_reason IS NULL AND paused_reason IS NULL "
        "AND rule_key NOT IN ('cspr_public_until', 'national_prepublication_copies', "
        "'national_public_until', 'national_publication')"),
        {"owner": owner.__tablename__, "id": owner_id})
    assert db.session.get(owner, owner_id).overdue_from == expected


def test_two_incidents_given_one_case_at_once_both_count_two(app, seeded):
    postgresql_only(app)
    first, second = db.session.scalars(sa.select(SeriousIncident.id).where(
        SeriousIncident.cdr_case_id.is_(None)).order_by(SeriousIncident.id).limit(2)).all()
    partnership_id = db.session.get(SeriousIncident, first).partnership_id
    db.session.execute(sa.update(SeriousIncident).where(SeriousIncident.id == second)
                       .values(partnership_id=partnership_id))
    case_id = db.session.scalar(sa.select(ChildDeathCase.id).order_by(ChildDeathCase.id))
    db.session.commit()
    given = "UPDATE serious_incident SET cdr_case_id = :case WHERE id = :id"
    _at_once(given, given, ({"case": case_id, "id": first}, {"case": case_id, "id": second}))
    db.session.expire_all()
    assert [db.session.get(SeriousIncident, n).same_case for n in (first, second)] == [2, 2]


def test_recount_kept_puts_right_what_was_written_behind_the_triggers_back(app, seeded, runner):
    assert "0 rows changed in all." in runner.invoke(args=["deadlines", "recount-kept"]).output
    # Figures spoilt as a restore or a hand edit without the triggers might leave them.
    db.session.execute(sa.update(ChildDeathCase).values(next_due=SEED_TODAY + timedelta(999)))
    db.session.execute(sa.update(SeriousIncident).values(overdue_from=date(2000, 1, 1),
                                                         same_case=7))
    db.session.commit()
    cases = db.session.scalar(sa.select(sa.func.count()).select_from(ChildDeathCase))
    incidents = db.session.scalar(sa.select(sa.func.count()).select_from(SeriousIncident))
    output = runner.invoke(args=["deadlines", "recount-kept"]).output
    assert f"cdr_case due figures: {cases} rows changed" in output
    assert f"serious_incident due figures: {incidents} rows changed" in output
    assert f"serious_incident.same_case: {incidents} rows changed" in output
    assert "cdr_child_identity.same_nhs: 0 rows changed" in output
    assert "0 rows changed in all." in runner.invoke(args=["deadlines", "recount-kept"]).output
    assert {spec.column for spec in duplicates.shared_keys()} >= {"same_nhs", "same_case"}


def test_a_recompute_beside_a_save_of_one_of_its_cases_does_not_deadlock(app, seeded):
    """A page saving a case holds the case's row, then writes its deadlines (the partnership's
    tally lock); the recompute must not hold that lock while it waits for the case's row."""
    postgresql_only(app)
    case = db.session.scalars(sa.select(ChildDeathCase).order_by(ChildDeathCase.id)).first()
    moved, met = db.session.scalars(sa.select(Deadline.id).where(
        Deadline.owner_type == "cdr_case", Deadline.owner_id == case.id,
        Deadline.trigger_date.is_not(None), Deadline.due_date.is_not(None))
        .order_by(Deadline.id).limit(2)).all()
    # A stored date the recompute will put right.
    db.session.execute(sa.update(Deadline).where(Deadline.id == moved)
                       .values(due_date=Deadline.due_date + timedelta(days=3)))
    partnership_id = case.partnership_id
    db.session.commit()
    errors, engine = [], db.engine

    def recompute():
        with app.app_context():
            try:
                partnership = db.session.get(Partnership, partnership_id)
                assert deadline_bulk.recompute_partnership(partnership) >= 1
                db.session.commit()
            except Exception as error:  # noqa: BLE001 (reported below)
                errors.append(error)
                db.session.rollback()

    with engine.connect() as conn:
        conn.execute(sa.text("UPDATE cdr_case SET reference = reference WHERE id = :id"),
                     {"id": case.id})
        thread = threading.Thread(target=recompute)
        thread.start()
        time.sleep(HOLD)
        conn.execute(sa.text("UPDATE deadline SET met_on = :on WHERE id = :id"),
                     {"on": SEED_TODAY, "id": met})
        conn.commit()
    thread.join(60)
    assert not errors
