"""The review page's one "Requests for information" section: requests sent to agencies as
personal links and those recorded by hand after asking by e-mail or post, in one table with
their type, review, dates and status, each linked to its page; one call to action to send a
request by link, and a secondary one to record a request made outside the tracker (a local
review's step)."""

from datetime import date, datetime

import pytest

from reviews.models import InformationRequest, ReviewRequest
from tests.reviews.factories import make_incident
from tracker.agencies import DirectoryAgency
from tracker.extensions import db

TODAY = date(2025, 3, 14)


@pytest.fixture(autouse=True)
def _today(clock):
    """The pages' today is fixed: Friday 14 March 2025."""
    clock.set(datetime(2025, 3, 14, 10, 0))


@pytest.fixture
def agency(partnership):
    found = DirectoryAgency(partnership_id=partnership.id, name="Hill Surgery",
                            name_key="hill surgery", kind="gp")
    db.session.add(found)
    db.session.commit()
    return found


def _by_link(incident, agency, *, sent, due_on, **fields):
    info = InformationRequest(partnership_id=incident.partnership_id, incident_id=incident.id,
                              agency_id=agency.id, stage=fields.pop("stage", "rapid_review"),
                              asked="Your records of the family", due_on=due_on,
                              created_at=datetime(sent.year, sent.month, sent.day, 9),
                              **fields)
    db.session.add(info)
    db.session.commit()
    return info


def _by_hand(incident, agency, sent_on, due_on, **fields):
    written = ReviewRequest(partnership_id=incident.partnership_id, incident_id=incident.id,
                            agency=agency, sent_on=sent_on, due_on=due_on, **fields)
    db.session.add(written)
    db.session.commit()
    return written


def _rows(page):
    return [[cell.get_text(" ", strip=True) for cell in row.select("td")]
            for row in page.html.select("#information-requests tbody tr")]


def test_both_kinds_are_listed_together_newest_sent_first_each_linked_to_its_page(
        business_client, partnership, agency, call):
    incident = make_incident(partnership, decision="local", decision_on=date(2025, 1, 20))
    police = _by_hand(incident, "Northshire Police", date(2025, 2, 3), date(2025, 2, 17),
                      answered_on=date(2025, 2, 20), summary="Chronology sent")
    school = _by_hand(incident, "Hill School", date(2025, 3, 10), None)
    link = _by_link(incident, agency, sent=date(2025, 3, 3), due_on=date(2025, 3, 24),
                    stage="local_review")

    page = call(business_client, "reviews.incident", incident_id=incident.id)

    assert _rows(page) == [
        ["Hill School", "Recorded by hand", "Local review", "10 March 2025", "Not set",
         "Awaited"],
        ["Hill Surgery", "Personal link", "Local review", "3 March 2025", "24 March 2025",
         "Sent"],
        ["Northshire Police", "Recorded by hand", "Local review", "3 February 2025",
         "17 February 2025", "Answered 20 February 2025: Chronology sent"],
    ]
    base = f"/practice-reviews/{incident.id}"
    assert page.html.select_one(f"#information-request-{link.id} a")["href"] == (
        f"{base}/information-requests/{link.id}")
    assert page.html.select_one(f"#review-request-{police.id} a")["href"] == (
        f"{base}/requests/{police.id}")
    assert page.html.select_one(f"#review-request-{school.id}") is not None
    # One section, in the contents list once; no second list of written requests.
    contents = [a.get_text(strip=True) for a in page.html.select("#contents a")]
    assert contents.count("Requests for information") == 1
    assert page.html.select_one("#contents a[href='#information-from-agencies']"
                                ).get_text(strip=True) == "Requests for information"
    assert "Information from agencies" not in contents
    assert "Written requests" not in page.text("main")


def test_an_unanswered_request_past_its_due_date_is_overdue_whichever_its_kind(
        business_client, partnership, agency, call):
    incident = make_incident(partnership, decision="local", decision_on=date(2025, 1, 20))
    late_link = _by_link(incident, agency, sent=date(2025, 2, 24), due_on=date(2025, 3, 13))
    paused = _by_link(incident, agency, sent=date(2025, 2, 25), due_on=date(2025, 3, 13),
                      status="queried", chasing_paused_at=datetime(2025, 3, 12, 9, 0))
    accepted = _by_link(incident, agency, sent=date(2025, 2, 26), due_on=date(2025, 3, 13),
                        status="accepted", accepted_on=date(2025, 3, 13))
    due_today = _by_link(incident, agency, sent=date(2025, 2, 27), due_on=TODAY)
    late_by_hand = _by_hand(incident, "Northshire Police", date(2025, 2, 3), date(2025, 3, 13))

    page = call(business_client, "reviews.incident", incident_id=incident.id)

    def status(row_id):
        return page.text(f"#{row_id} td:last-child")

    assert status(f"information-request-{late_link.id}") == "Sent Overdue"
    assert status(f"information-request-{paused.id}") == "Queried Overdue Chasing paused"
    assert status(f"information-request-{accepted.id}") == "Accepted"
    assert status(f"information-request-{due_today.id}") == "Sent"
    assert status(f"review-request-{late_by_hand.id}") == "Awaited Overdue"


def test_one_call_to_action_to_send_by_link_and_a_secondary_one_for_a_local_review(
        business_client, auditor_client, partnership, agency, call):
    undecided = make_incident(partnership)
    local = make_incident(partnership, decision="local", decision_on=date(2025, 1, 20))
    _by_hand(local, "Northshire Police", date(2025, 2, 3), date(2025, 2, 17))

    page = call(business_client, "reviews.incident", incident_id=local.id)
    [button] = page.html.select("#request-actions .govuk-button")
    assert button.get_text(strip=True) == "Ask an agency for information"
    assert button["href"] == f"/practice-reviews/{local.id}/information-requests/new"
    [secondary] = page.html.select("#request-actions a.govuk-link")
    assert secondary.get_text(strip=True) == "Record a request made by e-mail or post"
    assert secondary["href"] == f"/practice-reviews/{local.id}/requests"
    # The local review's own links no longer offer it.
    assert page.html.select("#local-review-links a[href$='/requests']") == []

    # Before a decision, a request is sent for the rapid review by link only.
    page = call(business_client, "reviews.incident", incident_id=undecided.id)
    assert [a.get_text(strip=True) for a in page.html.select("#request-actions a")] == [
        "Ask an agency for information"]
    assert "No request for information yet." in page.text("main")

    # A user who may only view sees the list, with neither action nor links to the pages.
    page = call(auditor_client, "reviews.incident", incident_id=local.id)
    assert page.html.select("#request-actions") == []
    assert _rows(page)[0][:2] == ["Northshire Police", "Recorded by hand"]
    assert page.html.select("#information-requests a") == []


def test_recording_a_request_by_hand_returns_to_the_section(business_client, partnership,
                                                            call):
    incident = make_incident(partnership, decision="local", decision_on=date(2025, 1, 20))
    form = call(business_client, "reviews.review_requests", incident_id=incident.id)
    assert form.text("h1") == "Record a request made by e-mail or post"

    saved = call(business_client, "reviews.review_requests", incident_id=incident.id,
                 status=302, data={"agency": "Northshire Police", "sent_on": ["3", "2", "2025"],
                                   "due_on": ["17", "2", "2025"]})

    assert saved.response.headers["Location"].endswith(
        f"/practice-reviews/{incident.id}#information-from-agencies")
