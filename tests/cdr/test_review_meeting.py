"""The child death review meeting and its draft analysis, through the web form."""

from datetime import date

import pytest
import sqlalchemy as sa

from cdr.models import ChildDeathCase, ChildIdentity
from tests.cdr.factories import make_case
from tracker.extensions import db

TODAY = date(2025, 6, 2)


@pytest.fixture(autouse=True)
def frozen_today(clock):
    """Every page in these tests runs on 2 June 2025."""
    clock.set(TODAY)


def meeting(**changes):
    data = {
        "review_meeting_on": ["20", "5", "2025"],
        "review_meeting_attendees": "Consultant paediatrician\nHealth visitor\nGP",
        "analysis_summary": "The child died of an acute infection after two days of fever.",
        "analysis_factors": "Delay in seeking care; language barrier at first contact.",
        "analysis_learning": "Interpreters for out-of-hours calls.",
    }
    return {**data, **changes}


def saved(case):
    db.session.expire_all()
    return db.session.get(ChildDeathCase, case.id)


def test_recording_the_review_meeting_shows_it_on_the_case(cdop_client, partnership, call):
    case = make_case(partnership, date_of_death=date(2025, 3, 1))
    form = call(cdop_client, "cdr.review_meeting", case_id=case.id)
    assert "Do not include names" in form.text("#analysis_summary-hint")

    call(cdop_client, "cdr.review_meeting", case_id=case.id,
         data={**meeting(), "version": str(case.version)}, status=302)
    page = call(cdop_client, "cdr.case", case_id=case.id)

    summary = page.text("#review-meeting-summary")
    assert "20 May 2025" in summary
    assert "Health visitor" in summary and "language barrier" in summary
    # The learning is the draft analysis form's, shown with its other items (issue 24).
    assert "Interpreters for out-of-hours calls." in page.text("#analysis-learning")
    assert "Child death review meeting held" in page.text("#timeline + ol")
    tasks = {li.select_one(".govuk-task-list__name-and-hint").get_text(strip=True):
             li.select_one(".govuk-tag").get_text(strip=True)
             for li in page.html.select(".govuk-task-list__item")}
    assert tasks["Child death review meeting"] == "Completed"
    stored = saved(case)
    assert stored.review_meeting_on == date(2025, 5, 20)
    assert stored.analysis_factors.startswith("Delay in seeking care")


def test_the_review_meeting_can_be_corrected(cdop_client, partnership, call):
    case = make_case(partnership, review_meeting_on=date(2025, 5, 20),
                     review_meeting_attendees="GP", analysis_summary="First draft")
    form = call(cdop_client, "cdr.review_meeting", case_id=case.id)
    assert form.html.select_one("#analysis_summary").get_text() == "First draft"
    version = form.html.select_one("input[name=version]")["value"]

    call(cdop_client, "cdr.review_meeting", case_id=case.id,
         data={**meeting(analysis_summary="Second draft"), "version": version}, status=302)

    assert saved(case).analysis_summary == "Second draft"
    assert "Child death review meeting details updated" in call(
        cdop_client, "cdr.case", case_id=case.id).text("#timeline + ol")


@pytest.mark.parametrize(("changes", "message"), [
    ({"review_meeting_on": ["", "", ""]}, "Enter the date of the child death review meeting"),
    ({"review_meeting_on": ["3", "6", "2025"]},
     "Date of the meeting must be today or in the past"),
    ({"review_meeting_on": ["28", "2", "2025"]},
     "Date of the meeting must be on or after the date of death, 1 March 2025"),
    ({"review_meeting_on": ["30", "2", "2025"]}, "Date of the meeting must be a real date"),
    ({"review_meeting_attendees": "  "}, "Enter who attended the meeting"),
    ({"analysis_learning": "x" * 5001}, "Learning must be 5,000 characters or fewer"),
    # The panel reads the draft analysis: the child's name, NHS number or postcode is refused.
    ({"analysis_summary": "invented died at home"},
     "Summary must not include the child's name, NHS number or postcode"),
    ({"analysis_factors": "Records for {nhs} were late"},
     "Factors identified must not include the child's name, NHS number or postcode"),
    ({"analysis_learning": "Housing near zz99 3aa"},
     "Learning must not include the child's name, NHS number or postcode"),
])
def test_a_bad_review_meeting_is_refused_and_nothing_is_saved(cdop_client, partnership, call,
                                                              changes, message):
    # make_case's child is "Testchild<n> Invented", postcode ZZ99 3AA; {nhs} is their number.
    case = make_case(partnership, date_of_death=date(2025, 3, 1))
    nhs = db.session.scalar(sa.select(ChildIdentity.nhs_number)
                            .where(ChildIdentity.case_id == case.id))
    grouped = f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"
    data = {name: value.replace("{nhs}", grouped) if isinstance(value, str) else value
            for name, value in meeting(**changes).items()}
    data["version"] = str(case.version)

    page = call(cdop_client, "cdr.review_meeting", case_id=case.id, data=data, status=400)

    assert page.errors == [message]
    stored = saved(case)
    assert stored.review_meeting_on is None and stored.analysis_summary is None
    assert "Invented" not in " ".join(page.errors)


def test_a_stale_review_meeting_is_refused_saying_what_changed(cdop_client, partnership, call):
    case = make_case(partnership, review_meeting_on=date(2025, 5, 20),
                     review_meeting_attendees="GP", analysis_summary="Agreed summary")
    opened_at = case.version
    # Someone else saves the summary after this user opened the form.
    case.analysis_summary = "Someone else's summary"
    db.session.commit()

    page = call(cdop_client, "cdr.review_meeting", case_id=case.id, status=409,
                data={**meeting(analysis_summary="My summary"), "version": str(opened_at)})

    (error,) = page.errors
    assert error.startswith("Someone else changed this case (Summary) on ")
    assert saved(case).analysis_summary == "Someone else's summary"
    # What the user typed is kept, and saving again (now knowingly) goes through.
    assert page.html.select_one("#analysis_summary").get_text() == "My summary"
    version = page.html.select_one("input[name=version]")["value"]
    call(cdop_client, "cdr.review_meeting", case_id=case.id, status=302,
         data={**meeting(analysis_summary="My summary"), "version": version})
    assert saved(case).analysis_summary == "My summary"


def test_only_editors_of_the_users_partnerships_record_the_meeting(
        auditor_client, cdop_client, partnership, other_partnership, call):
    mine = make_case(partnership, review_meeting_on=date(2025, 5, 20),
                     review_meeting_attendees="GP")
    theirs = make_case(other_partnership)

    call(auditor_client, "cdr.review_meeting", case_id=mine.id, status=403)
    case_page = call(auditor_client, "cdr.case", case_id=mine.id)
    assert "20 May 2025" in case_page.text("#review-meeting-summary")
    assert "Change the review meeting" not in case_page.text()
    call(cdop_client, "cdr.review_meeting", case_id=theirs.id, status=404)
