"""The annual report tally: kept exact by the database whoever writes a case (insert, ORM
edits at review, reopening, transfer, raw SQL, delete), and giving the figures the report
defines, counted case by case."""

from collections import Counter, defaultdict
from datetime import date

import pytest
import sqlalchemy as sa

from cdr import report_tally
from cdr.models import ChildDeathCase
from cdr.services import annual_report as service
from cdr.services import panel_outcome, transfers
from tests.cdr.factories import heard_at, make_case
from tests.factories import make_user
from tests.tracker.test_audit import count_queries
from tracker import demo
from tracker.compliance import Period
from tracker.extensions import db
from tracker.models import Partnership

SEED_TODAY = date(2026, 11, 23)
YEARS = service.reporting_years(SEED_TODAY)


def tally_rows():
    """The tally as the triggers left it, in a fixed order."""
    table = report_tally.report_tally
    return [tuple(row) for row in db.session.execute(sa.select(*table.c).order_by(*table.c))]


def assert_tally_exact():
    """The tally the triggers kept is the one a full recount makes, with no zero rows."""
    kept = tally_rows()
    report_tally.rebuild()
    assert kept == tally_rows()
    assert not [row for row in kept if row[-1] <= 0]


def _age_band(days):
    if days is None or days < 0:
        return report_tally.NOT_RECORDED
    return [label for first, label in report_tally.AGE_BANDS if days >= first][-1]


def _value(case, key):
    if key == "age":
        return _age_band(case.age_at_death_days)
    return getattr(case, report_tally.COLUMNS[key]) or report_tally.NOT_RECORDED


def counted_case_by_case(partnership_id, period):
    """What the report should count, from the cases themselves: (notified, completed, days)."""
    notified, completed, days = defaultdict(Counter), defaultdict(Counter), Counter()
    cases = db.session.scalars(sa.select(ChildDeathCase)
                               .where(ChildDeathCase.partnership_id == partnership_id))
    for case in cases:
        if period.start <= case.notification_received_on <= period.end:
            for key in report_tally.NOTIFIED_DIMENSIONS:
                notified[key][_value(case, key)] += 1
        done = case.review_completed_on
        if done is not None and period.start <= done <= period.end:
            for key in report_tally.COMPLETED_DIMENSIONS:
                completed[key][_value(case, key)] += 1
            days[(done - case.date_of_death).days] += 1
    return notified, completed, sorted(days.items())


def assert_report_counts_every_case():
    """For every partnership and reporting year, the tally's counts are the cases' own."""
    partnership_ids = db.session.scalars(sa.select(Partnership.id)).all()
    for partnership_id in partnership_ids:
        for period in YEARS:
            found = service._split(service._grouped(partnership_id, period))
            assert found == counted_case_by_case(partnership_id, period), (partnership_id,
                                                                           period)


@pytest.fixture
def seeded(app):
    """Demo people and 120 synthetic cases of both domains (the cdr ones: by bulk insert)."""
    demo.seed_people()
    demo.seed_cases(120, today=SEED_TODAY)
    return db.session.scalars(sa.select(Partnership).order_by(Partnership.id)).all()


def _cases(**where):
    query = sa.select(ChildDeathCase).filter_by(**where).order_by(ChildDeathCase.id)
    return db.session.scalars(query).all()


def test_the_bulk_seeded_cases_are_counted_as_the_report_defines(seeded):
    assert {row[2] for row in tally_rows()} == {"notified", "completed"}
    assert_tally_exact()
    assert_report_counts_every_case()


def test_a_review_recorded_then_reopened_moves_the_counts(seeded):
    case = _cases(stage="panel")[0]
    # Recorded at a CDOP meeting that has taken place (issue 24).
    meeting = heard_at(case, date(2026, 11, 20))
    panel_outcome.record_outcome(case, meeting_id=meeting.id, category="infection",
                         modifiable_factors="yes", review_completed_on=date(2026, 11, 20),
                         today=SEED_TODAY)
    db.session.commit()
    assert_tally_exact()
    assert_report_counts_every_case()
    panel_outcome.reopen(case, "New information from the coroner", SEED_TODAY)
    db.session.commit()
    assert_tally_exact()
    assert_report_counts_every_case()


def test_a_transfer_moves_the_case_to_the_other_partnership(seeded):
    case = _cases(stage="closed")[0]
    to = next(p for p in seeded if p.id != case.partnership_id)
    user = make_user(partnerships=seeded)
    transfers.transfer(case, to, "The child lived there", user, SEED_TODAY)
    db.session.commit()
    assert_tally_exact()
    assert_report_counts_every_case()


def test_orm_edits_of_every_column_it_reads_and_of_none(seeded):
    first, second, third = _cases(stage="closed")[:3]
    before = tally_rows()
    first.learning_points = "Not a column the report reads"
    db.session.commit()
    assert tally_rows() == before
    first.sex, first.age_at_death_days, first.place_of_death = "male", None, None
    second.death_expected, second.notification_received_on = None, date(2019, 4, 1)
    third.category, third.modifiable_factors = None, "insufficient"
    third.date_of_death = date(2017, 1, 1)  # the days from death to completion
    db.session.commit()
    assert_tally_exact()
    assert_report_counts_every_case()


def test_raw_sql_updates_and_deletes_are_counted_too(seeded):
    db.session.execute(sa.update(ChildDeathCase).where(ChildDeathCase.id % 3 == 0)
                       .values(sex="indeterminate", review_completed_on=None))
    db.session.execute(sa.delete(ChildDeathCase).where(ChildDeathCase.id % 5 == 0))
    db.session.commit()
    assert_tally_exact()
    assert_report_counts_every_case()
    db.session.execute(sa.delete(ChildDeathCase))
    db.session.commit()
    assert tally_rows() == []


def test_an_orm_insert_and_delete_leave_no_trace(app, partnership):
    make_case(partnership, identity=False, notification_received_on=date(2024, 6, 1),
              review_completed_on=date(2025, 1, 10), category="trauma")
    assert_report_counts_every_case()
    before = tally_rows()
    case = make_case(partnership, identity=False, sex=None, age_at_death_days=7000,
                     notification_received_on=date(2024, 6, 30))
    assert len(tally_rows()) > len(before)
    db.session.delete(case)
    db.session.commit()
    assert tally_rows() == before


def test_the_median_of_an_odd_and_an_even_number_of_reviews(app, partnership):
    year = Period(date(2024, 4, 1), date(2025, 3, 31))
    for days in (10, 20, 20, 40):
        make_case(partnership, identity=False, date_of_death=date(2024, 3, 1),
                  review_completed_on=date.fromordinal(date(2024, 3, 1).toordinal() + days + 31))
    assert service.annual_report(partnership.id, year).median_days.text == "51 days"
    make_case(partnership, identity=False, date_of_death=date(2024, 3, 1),
              review_completed_on=date(2024, 5, 11))  # 71 days
    assert service.annual_report(partnership.id, year).median_days.text == "51 days"
    make_case(partnership, identity=False, date_of_death=date(2024, 3, 1),
              review_completed_on=date(2024, 5, 12))  # 72 days
    assert service.annual_report(partnership.id, year).median_days.text == "61 days"


def test_a_period_must_be_whole_months(app, partnership):
    with pytest.raises(ValueError, match="whole months"):
        service.annual_report(partnership.id, Period(date(2024, 4, 2), date(2025, 3, 31)))


def test_the_report_reads_only_the_tally_in_one_query(seeded):
    with count_queries() as statements:
        service.annual_report(seeded[0].id, YEARS[1])
    assert len(statements) == 1
    assert "cdr_report_tally" in statements[0] and "cdr_case" not in statements[0]
