"""Two people editing one agency request: the second save, made on the page as it was before
the first, is refused and loses nothing (tests/tracker/test_stale_guard.py walks every edit
form; this is the fault as it was found)."""

from datetime import date

import pytest
import sqlalchemy as sa

from cdr.models import AgencyRequest
from tests.cdr.factories import make_case
from tests.conftest import Page, csrf_token_from, sign_in
from tests.factories import make_user
from tracker import deadline_service
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.roles import Role

TODAY = date(2025, 4, 1)


@pytest.fixture(autouse=True)
def frozen_today(clock):
    clock.set(TODAY)


def as_form(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


@pytest.fixture
def agency_request(partnership):
    case = make_case(partnership)
    found = AgencyRequest(case_id=case.id, partnership_id=partnership.id, agency="Police",
                          sent_on=date(2025, 3, 3))
    db.session.add(found)
    db.session.flush()
    deadline_service.sync_case(found)
    db.session.commit()
    return found


def opened(client, url):
    """The edit form as a user opens it: its CSRF token and version."""
    html = client.get(url).get_data(as_text=True)
    version = Page(client.get(url)).html.select_one("input[name=version]")["value"]
    return {"csrf_token": csrf_token_from(html), "version": version}


def answers(found, **changes):
    data = {"agency": found.agency, "sent_on": as_form(found.sent_on),
            "chased_on": ["", "", ""], "returned_on": ["", "", ""], "summary": ""}
    data.update({name: as_form(value) if isinstance(value, date) else value
                 for name, value in changes.items()})
    return data


def test_a_stale_save_keeps_the_returned_date_and_the_met_deadline(
        app, cdop_client, partnership, agency_request):
    colleague = make_user(Role.CDOP_ADMIN, [partnership], full_name="Cora Colleague")
    other_client = app.test_client()
    assert sign_in(other_client, colleague.email).status_code == 302
    url = f"/child-deaths/{agency_request.case_id}/requests/{agency_request.id}"
    mine = opened(cdop_client, url)
    theirs = opened(other_client, url)

    saved = other_client.post(url, data={**theirs, **answers(
        agency_request, returned_on=date(2025, 3, 20))})
    assert saved.status_code == 302
    # Before: this save set the returned date back to blank and reopened the deadline.
    response = cdop_client.post(url, data={**mine, **answers(
        agency_request, chased_on=date(2025, 3, 14), summary="Chased by phone")})

    assert response.status_code == 409
    page = Page(response)
    [message] = page.errors
    assert message.startswith("Cora Colleague changed this information request (Date returned)")
    assert "so your changes have not been saved" in message
    # What this user typed is still there, with the version they have now been shown.
    assert page.html.select_one("textarea[name=summary]").get_text(strip=True) == (
        "Chased by phone")
    assert [tag["value"] for tag in page.html.select("input[name=chased_on]")] == [
        "14", "3", "2025"]
    db.session.expire_all()
    stored = db.session.get(AgencyRequest, agency_request.id)
    assert (stored.returned_on, stored.chased_on, stored.summary) == (
        date(2025, 3, 20), None, None)
    deadline = db.session.scalar(sa.select(Deadline).where(
        Deadline.owner_type == "cdr_agency_request", Deadline.owner_id == stored.id))
    assert deadline.met_on == date(2025, 3, 20)
    assert page.html.select_one("input[name=version]")["value"] == str(stored.version)


def test_a_second_save_after_the_refusal_goes_through(cdop_client, partnership,
                                                      agency_request):
    url = f"/child-deaths/{agency_request.case_id}/requests/{agency_request.id}"
    mine = opened(cdop_client, url)
    agency_request.returned_on = date(2025, 3, 20)
    db.session.commit()

    refused = cdop_client.post(url, data={**mine, **answers(agency_request,
                                                             returned_on=date(2025, 3, 21))})
    assert refused.status_code == 409
    again = Page(refused).html.select_one("input[name=version]")["value"]
    saved = cdop_client.post(url, data={**mine, "version": again, **answers(
        agency_request, returned_on=date(2025, 3, 21))})

    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(AgencyRequest, agency_request.id).returned_on == date(2025, 3, 21)
