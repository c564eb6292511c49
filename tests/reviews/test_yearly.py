"""The safeguarding partners' yearly report through the forms: publication date and address,
the next one due 12 months after the last (met when the next is recorded), copies to the
Panel and the What Works Centre within 7 days; per partnership; each bad input refused."""

from datetime import date

import pytest
import sqlalchemy as sa

from reviews.models import YearlyReport
from tests.conftest import sign_in
from tests.factories import make_user
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.roles import Role

TODAY = date(2025, 10, 20)


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(TODAY)


def day(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


def report_answers(**changes):
    data = {"published_on": day(date(2024, 9, 30)),
            "url": "https://www.northshire.example/yearly-report-2024.pdf",
            "copies_sent_on": day(date(2024, 10, 4))}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def record(call, client, partnership, status=302, **changes):
    return call(client, "reviews.new_yearly_report", partnership=partnership.id,
                data=report_answers(**changes), status=status)


def deadlines_of(report):
    return dict(db.session.execute(sa.select(Deadline.rule_key, Deadline.met_on).where(
        Deadline.owner_type == "reviews_yearly_report", Deadline.owner_id == report.id)).all())


def test_recording_yearly_reports_meets_the_previous_ones_deadline(business_client,
                                                                   partnership, call):
    record(call, business_client, partnership)

    page = call(business_client, "reviews.yearly_reports")
    assert "Due by 30 September 2025" in page.text("#next-due-text")
    assert "Overdue" in page.text("#next-due-text")
    row = page.text("#yearly-reports tbody tr")
    assert "Due 7 October 2024, sent 4 October 2024" in row and "Met on time" in row

    record(call, business_client, partnership, published_on=day(date(2025, 10, 10)),
           url="https://www.northshire.example/yearly-report-2025.pdf", copies_sent_on=None)

    first, second = db.session.scalars(
        sa.select(YearlyReport).order_by(YearlyReport.published_on)).all()
    assert first.next_published_on == date(2025, 10, 10)
    assert deadlines_of(first)["yearly_report"] == date(2025, 10, 10)
    page = call(business_client, "reviews.yearly_reports")
    assert "Due by 10 October 2026" in page.text("#next-due-text")
    rows = page.html.select("#yearly-reports tbody tr")
    assert rows[0]["id"] == f"yearly-report-{second.id}"
    assert "Due 17 October 2025" in rows[0].get_text(" ", strip=True)
    assert "Overdue" in rows[0].get_text(" ", strip=True)  # copies not sent within 7 days
    assert "Met late" in rows[1].get_text(" ", strip=True)  # 12 months + 10 days

    call(business_client, "reviews.yearly_report", yearly_report_id=second.id, status=302,
         data=report_answers(published_on=day(date(2025, 10, 10)),
                             url=second.url, copies_sent_on=day(date(2025, 10, 20))))
    assert "Met late" in call(business_client, "reviews.yearly_reports"
                              ).html.select("#yearly-reports tbody tr")[0].get_text()


@pytest.mark.parametrize("changes, message", [
    ({"published_on": None}, "Enter the publication date"),
    ({"published_on": day(date(2025, 10, 21))}, "Publication date must be today or in the past"),
    ({"url": ""}, "Enter the web address where it is published"),
    ({"url": "www.northshire.example/report"},
     "Enter a web address that starts with https://, such as "
     "https://www.example.gov.uk/reviews/report.pdf"),
    ({"copies_sent_on": day(date(2024, 9, 29))},
     "Date the copies were sent must be the same as or after the publication date"),
    ({"copies_sent_on": day(date(2025, 10, 21))},
     "Date the copies were sent must be today or in the past"),
])
def test_bad_yearly_reports_are_refused(business_client, partnership, call, changes, message):
    page = record(call, business_client, partnership, status=400, **changes)

    assert message in page.errors
    assert db.session.scalar(sa.select(sa.func.count(YearlyReport.id))) == 0


def test_the_same_publication_date_twice_is_refused(business_client, partnership, call):
    record(call, business_client, partnership)

    page = record(call, business_client, partnership, status=400)

    assert "A yearly report published on 30 September 2024 is already recorded" in page.errors


def test_a_user_of_several_partnerships_picks_one_and_sees_only_its_reports(
        app, partnership, other_partnership, call):
    manager = make_user(Role.BUSINESS_UNIT, [partnership, other_partnership])
    client = app.test_client()
    assert sign_in(client, manager.email).status_code == 302
    record(call, client, other_partnership)

    page = call(client, "reviews.yearly_reports", partnership=other_partnership.id)
    assert page.html.select_one("#choose-partnership select") is not None
    assert len(page.html.select("#yearly-reports tbody tr")) == 1
    first = call(client, "reviews.yearly_reports", partnership=partnership.id)
    assert first.html.select("#yearly-reports") == []


def test_another_partnerships_reports_are_not_found(business_client, other_partnership,
                                                    call):
    theirs = YearlyReport(partnership_id=other_partnership.id, published_on=date(2025, 1, 5))
    db.session.add(theirs)
    db.session.commit()

    call(business_client, "reviews.yearly_reports", partnership=other_partnership.id,
         status=404)
    call(business_client, "reviews.new_yearly_report", partnership=other_partnership.id,
         status=404)
    call(business_client, "reviews.yearly_report", yearly_report_id=theirs.id, status=404)


def test_readers_see_the_reports_but_may_not_record_one(auditor_client, partnership, call):
    page = call(auditor_client, "reviews.yearly_reports")
    assert page.html.select("a[href*='/yearly-reports/new']") == []
    call(auditor_client, "reviews.new_yearly_report", status=403)
