"""A create form sent twice (a double click, a retry after a slow answer, the back button)
makes one record, and the second send lands on the first's page: every create form carries a
one-time submission key, stored with what it makes under the database's unique key."""

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import url_for

from cdr.models import AgencyRequest, CaseAction, ChildDeathCase, PanelMeeting
from reviews.models import (
    ActionUpdate,
    InformationRequest,
    PublicationDelay,
    RapidReviewMeeting,
    Recommendation,
    ReviewAction,
    Reviewer,
    ReviewRequest,
    SeriousIncident,
    YearlyReport,
)
from tests.cdr.factories import make_case
from tests.conftest import csrf_token_from, page, sign_in, submission_key_from
from tests.factories import make_user
from tests.import_files import confirm, upload, workbook
from tests.reviews.factories import make_incident
from tracker.agencies import AgencyContact, DirectoryAgency
from tracker.extensions import db
from tracker.roles import Role
from tracker.submissions import Submission

TODAY = date(2025, 10, 1)
VIEW_MODULES = ("cdr.views.notifications", "cdr.views.cases", "cdr.views.requests",
                "cdr.views.panel", "reviews.views.incidents", "reviews.views.local_review",
                "reviews.views.actions", "reviews.views.rapid_review", "reviews.views.yearly",
                "tracker.views.imports", "tracker.views.agencies",
                "reviews.views.information_requests")


@pytest.fixture(autouse=True)
def _today(clock):
    """Every page's today is Wednesday 1 October 2025."""
    clock.set(TODAY)


def day(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


NOTIFICATION = {
    "given_names": "Testchild", "family_name": "Invented", "date_of_birth": day(date(2024, 1, 26)),
    "sex": "female", "nhs_number": "999 000 0018", "address": "1 Imaginary Lane, Northtown",
    "postcode": "zz99 3aa", "la_of_residence": "Northshire", "date_of_death": day(date(2025, 3, 1)),
    "time_of_death": "14:30", "birth_outcome": "no", "place_of_death": "hospital",
    "la_of_death": "Northshire", "death_expected": "no", "source": "practitioner",
    "notifier_name": "Dr Example Notifier", "notifier_agency": "Northshire Hospitals",
    "received_on": day(date(2025, 3, 2)),
}
INCIDENT = {
    "child_reference": "Child P", "outcome": "harmed", "incident_date": day(date(2024, 12, 20)),
    "la_aware_on": day(date(2024, 12, 23)), "abuse_or_neglect": "yes", "location": "in_area",
    "looked_after": "no", "care_leaver": "no", "cp_plan": "recently_removed",
}


@dataclass
class CreateForm:
    """A create form: who sends it, where, with what, and what it makes."""

    client: str
    endpoint: str
    model: type
    data: dict
    # (partnership) -> the URL values; form_page: the endpoint of the page holding the form.
    values: object = field(default=lambda partnership: {})
    form_page: str | None = None


def _local_review(partnership):
    return {"incident_id": make_incident(partnership, decision="local",
                                         decision_on=date(2025, 6, 2), stage="review",
                                         planned_publication_on=date(2025, 12, 1)).id}


def _published(partnership):
    return make_incident(partnership, decision="local", decision_on=date(2025, 1, 20),
                         stage="published", publish_type="full",
                         published_on=date(2025, 7, 14), published_url="https://example.org/r")


def _recommendation(partnership):
    incident = _published(partnership)
    found = Recommendation(incident_id=incident.id, partnership_id=partnership.id, number=1,
                           text="Share referrals sooner")
    db.session.add(found)
    db.session.commit()
    return {"incident_id": incident.id, "recommendation_id": found.id}


def _action(partnership):
    values = _recommendation(partnership)
    action = ReviewAction(recommendation_id=values["recommendation_id"],
                          incident_id=values["incident_id"], partnership_id=partnership.id,
                          description="Audit referrals", agency="Children's services",
                          lead="Sam Lead", due_on=date(2025, 12, 1), status="not_started")
    db.session.add(action)
    db.session.commit()
    return {"incident_id": values["incident_id"], "review_action_id": action.id}


def _directory_agency(partnership):
    from tracker.agencies import DirectoryAgency

    agency = DirectoryAgency(partnership_id=partnership.id, name="Police", name_key="police",
                             kind="police")
    db.session.add(agency)
    db.session.commit()
    return {"agency_id": agency.id}


def _information_contact(partnership):
    """An incident, and a directory contact (the form sends its id)."""
    agency = DirectoryAgency(partnership_id=partnership.id, name="Police", name_key="police",
                             kind="police")
    contact = AgencyContact(agency=agency, partnership_id=partnership.id, name="Jo Hill",
                            email="jo@police.example")
    db.session.add_all([agency, contact])
    db.session.commit()
    CREATE_FORMS["request for information"].data["contact"] = str(contact.id)
    return {"incident_id": make_incident(partnership).id}


CREATE_FORMS = {
    "notification": CreateForm("cdop_client", "cdr.notify", ChildDeathCase, NOTIFICATION),
    "agency request": CreateForm(
        "cdop_client", "cdr.new_request", AgencyRequest,
        {"agency": "Northshire Police", "sent_on": day(TODAY)},
        lambda p: {"case_id": make_case(p).id}),
    "requests to several agencies": CreateForm(
        "cdop_client", "cdr.several_requests", AgencyRequest,
        {"typed-0-agency": "Northshire Police", "typed-0-reporting_form": "core",
         "sent_on": day(TODAY)},
        lambda p: {"case_id": make_case(p).id}),
    "panel meeting": CreateForm(
        "cdop_client", "cdr.new_panel_meeting", PanelMeeting,
        {"meeting_on": day(date(2026, 4, 14)), "starts_at": "14:30",
         "place_or_link": "Room 2, County Hall"}),
    "panel action": CreateForm(
        "cdop_client", "cdr.new_case_action", CaseAction,
        {"description": "Audit referral letters", "owner": "Northshire ICB",
         "due_on": day(date(2026, 3, 1))},
        lambda p: {"case_id": make_case(p, information_complete=True,
                                        review_meeting_on=date(2025, 6, 20)).id}),
    "serious incident": CreateForm("business_client", "reviews.new_incident", SeriousIncident,
                                   INCIDENT),
    "rapid review meeting": CreateForm(
        "business_client", "reviews.add_rapid_review_meeting", RapidReviewMeeting,
        {"meeting_on": day(date(2025, 1, 9))},
        lambda p: {"incident_id": make_incident(p).id}, form_page="reviews.rapid_review"),
    "reviewer": CreateForm(
        "business_client", "reviews.reviewers", Reviewer,
        {"name": "Alex Reviewer", "organisation": "Independent"}, _local_review),
    "written request": CreateForm(
        "business_client", "reviews.review_requests", ReviewRequest,
        {"agency": "Northshire Police", "sent_on": day(date(2025, 9, 1)),
         "due_on": day(date(2025, 9, 15))}, _local_review),
    "publication delay": CreateForm(
        "business_client", "reviews.new_delay", PublicationDelay,
        {"reason": "criminal_investigation", "told_panel_sos_on": day(date(2025, 9, 30)),
         "revised_on": day(date(2026, 2, 16))}, _local_review),
    "recommendation": CreateForm(
        "business_client", "reviews.recommendations", Recommendation,
        {"number": "1", "text": "Share referrals sooner"},
        lambda p: {"incident_id": _published(p).id}),
    "review action": CreateForm(
        "business_client", "reviews.new_review_action", ReviewAction,
        {"description": "Audit referrals", "agency": "Children's services", "lead": "Sam Lead",
         "due_on": day(date(2025, 12, 1)), "status": "not_started"}, _recommendation),
    "action update": CreateForm(
        "business_client", "reviews.review_action_updates", ActionUpdate,
        {"update_on": day(date(2025, 9, 15)), "update_text": "Half the files audited"},
        _action, form_page="reviews.review_action"),
    "yearly report": CreateForm(
        "business_client", "reviews.new_yearly_report", YearlyReport,
        {"published_on": day(date(2024, 9, 30)),
         "url": "https://www.northshire.example/yearly-report-2024.pdf"},
        lambda p: {"partnership": p.id}),
    "request for information": CreateForm(
        "business_client", "reviews.new_information_request", InformationRequest,
        {"stage": "rapid_review", "asked": "Your records of the family",
         "due_on": day(date(2025, 10, 15))}, _information_contact),
    "directory agency": CreateForm(
        "cdop_client", "agencies.new", DirectoryAgency,
        {"name": "Hill Surgery", "kind": "gp"}),
    "directory contact": CreateForm(
        "cdop_client", "agencies.new_contact", AgencyContact,
        {"name": "Jo Hill", "email": "jo@hill.example"}, _directory_agency),
}


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _url(app, endpoint, values):
    with app.test_request_context():
        return url_for(endpoint, **values)


@pytest.mark.parametrize("name", list(CREATE_FORMS))
def test_a_create_form_sent_twice_makes_one_record_and_lands_on_its_page(
        app, partnership, request, name):
    form = CREATE_FORMS[name]
    client = request.getfixturevalue(form.client)
    values = form.values(partnership)
    url = _url(app, form.endpoint, values)
    html = client.get(_url(app, form.form_page or form.endpoint, values)).get_data(as_text=True)
    key = submission_key_from(html)
    assert key, f"the {name} form carries no submission key"
    sent = {**form.data, **key, "csrf_token": csrf_token_from(html)}
    before = count(form.model)

    first = client.post(url, data=sent)
    assert first.status_code == 302, first.get_data(as_text=True)[:3000]
    second = client.post(url, data=sent)

    assert second.status_code == 302
    assert second.location == first.location
    assert count(form.model) == before + 1
    landed = client.get(second.location).get_data(as_text=True)
    assert "This form was sent twice: it was saved once" in landed


def test_each_showing_of_a_form_issues_a_new_key(cdop_client):
    keys = {submission_key_from(cdop_client.get("/child-deaths/notify").get_data(as_text=True))
            ["submission_key"] for _ in range(2)}
    assert len(keys) == 2


def test_a_refused_notification_keeps_its_key_so_the_corrected_one_saves_once(cdop_client):
    html = cdop_client.get("/child-deaths/notify").get_data(as_text=True)
    key = submission_key_from(html)
    token = csrf_token_from(html)

    refused = cdop_client.post("/child-deaths/notify", data={
        **NOTIFICATION, "date_of_death": day(date(2025, 10, 2)), **key, "csrf_token": token})
    assert refused.status_code == 400
    assert submission_key_from(refused.get_data(as_text=True)) == key
    assert count(ChildDeathCase) == 0 and count(Submission) == 0

    saved = cdop_client.post("/child-deaths/notify",
                             data={**NOTIFICATION, **key, "csrf_token": token})
    again = cdop_client.post("/child-deaths/notify",
                             data={**NOTIFICATION, **key, "csrf_token": token})
    assert saved.status_code == again.status_code == 302
    assert again.location == saved.location
    assert count(ChildDeathCase) == 1


def test_a_refused_incident_keeps_its_key(business_client):
    html = business_client.get("/practice-reviews/new").get_data(as_text=True)
    key = submission_key_from(html)
    token = csrf_token_from(html)
    # The service refuses an awareness date before the incident: the claim is rolled back.
    refused = business_client.post("/practice-reviews/new", data={
        **INCIDENT, "la_aware_on": day(date(2024, 12, 19)), **key, "csrf_token": token})
    assert refused.status_code == 400
    assert submission_key_from(refused.get_data(as_text=True)) == key

    saved = business_client.post("/practice-reviews/new",
                                 data={**INCIDENT, **key, "csrf_token": token})
    assert saved.status_code == 302 and count(SeriousIncident) == 1


def test_a_key_is_one_user_s_own(app, partnership, cdop_client):
    """Another user sending someone's key (it leaked) never lands on the other's page."""
    html = cdop_client.get("/child-deaths/notify").get_data(as_text=True)
    key = submission_key_from(html)
    first = cdop_client.post("/child-deaths/notify",
                             data={**NOTIFICATION, **key, "csrf_token": csrf_token_from(html)})
    assert first.status_code == 302
    other = app.test_client()
    sign_in(other, make_user(Role.CDOP_ADMIN, [partnership]).email)
    token = csrf_token_from(other.get("/child-deaths/notify").get_data(as_text=True))
    second = other.post("/child-deaths/notify", data={
        **NOTIFICATION, "nhs_number": "999 000 0026", "given_names": "Other", **key,
        "csrf_token": token})
    assert second.status_code != 302 or second.location != first.location
    assert count(ChildDeathCase) == 1


def test_an_import_confirmed_twice_imports_once(app, cdop_client, tmp_path):
    from cdr.imports import COLUMNS

    app.config["IMPORT_FOLDER"] = str(tmp_path / "imports")
    headers = [column.header for column in COLUMNS]
    values = {"Date of death": date(2025, 3, 1), "Sex": "Female",
              "Date the notification was received": date(2025, 3, 2),
              "Place of death": "Hospital", "Expected death": "No",
              "Local authority where the child normally lived": "Northshire",
              "Given names": "Testchild", "Family name": "Invented",
              "Date of birth": date(2024, 1, 26)}
    preview = upload(cdop_client, "child-deaths",
                     workbook(headers, [[values.get(header) for header in headers]]))
    assert preview.status_code == 200, preview.get_data(as_text=True)[:3000]

    first = confirm(cdop_client, "child-deaths", preview)
    second = confirm(cdop_client, "child-deaths", preview)

    assert first.status_code == second.status_code == 302
    assert second.location == first.location
    assert count(ChildDeathCase) == 1


def test_the_duplicate_page_s_button_records_one_further_notification(cdop_client):
    """The already-notified page sends the answers on with their key: pressing "Record as a
    further notification" twice records it once."""
    from cdr.models import CaseNotification

    first = cdop_client.get("/child-deaths/notify").get_data(as_text=True)
    cdop_client.post("/child-deaths/notify", data={
        **NOTIFICATION, **submission_key_from(first), "csrf_token": csrf_token_from(first)})
    html = cdop_client.get("/child-deaths/notify").get_data(as_text=True)
    duplicate = cdop_client.post("/child-deaths/notify", data={
        **NOTIFICATION, "source": "coroner", **submission_key_from(html),
        "csrf_token": csrf_token_from(html)})
    assert "This death has already been notified" in duplicate.get_data(as_text=True)
    form = page(duplicate).select_one("form[action$='/notify']")
    data = {}
    for tag in form.select("input[type=hidden]"):
        data.setdefault(tag["name"], []).append(tag.get("value", ""))
    assert data["submission_key"] == [submission_key_from(html)["submission_key"]]

    pressed = [cdop_client.post("/child-deaths/notify", data={**data, "action": "further"})
               for _ in range(2)]

    assert [r.status_code for r in pressed] == [302, 302]
    assert pressed[0].location == pressed[1].location
    assert count(ChildDeathCase) == 1 and count(CaseNotification) == 2


def test_a_rapid_response_meeting_scheduled_twice_lands_on_the_case(cdop_client, partnership,
                                                                    clock):
    """Scheduling a meeting with a double click: the second send lands where the first did,
    not on a refusal saying someone else changed the case."""
    from cdr.models import RapidResponseMeeting

    died = date(2025, 3, 3)
    clock.set(date(2025, 3, 4))
    case = make_case(partnership, date_of_death=died)
    jar = cdop_client.get(f"/child-deaths/{case.id}/joint-agency-response").get_data(
        as_text=True)
    db.session.refresh(case)
    assert cdop_client.post(f"/child-deaths/{case.id}/joint-agency-response", data={
        "criteria": ["jar_sudden_unexplained"], "version": case.version,
        "csrf_token": csrf_token_from(jar)}).status_code == 302
    url = f"/child-deaths/{case.id}/meetings/1"
    html = cdop_client.get(url).get_data(as_text=True)
    version = BeautifulSoup(html, "html.parser").select_one("input[name=version]")["value"]
    sent = {"meeting_on": day(date(2025, 3, 5)), "starts_at": "10:00", "version": version,
            **submission_key_from(html), "csrf_token": csrf_token_from(html)}
    assert "submission_key" in sent

    first, second = (cdop_client.post(url, data=sent) for _ in range(2))

    assert first.status_code == second.status_code == 302
    assert second.location == first.location
    assert count(RapidResponseMeeting) == 1


def test_spent_keys_are_swept_once_no_session_can_send_them(app, cdop_client, clock, days_pass):
    """The scheduler forgets a key a day after the longest session could have sent it, and
    keeps the keys of forms still open."""
    from tracker.reminders import scheduler

    def notify(**child):
        html = cdop_client.get("/child-deaths/notify").get_data(as_text=True)
        sent = {**NOTIFICATION, **child, **submission_key_from(html),
                "csrf_token": csrf_token_from(html)}
        assert cdop_client.post("/child-deaths/notify", data=sent).status_code == 302
        return sent["submission_key"]

    old = notify()
    clock.advance(app.permanent_session_lifetime + timedelta(days=1, minutes=1))
    recent = notify(given_names="Otherchild", nhs_number="", nhs_number_absent="not_available",
                    date_of_birth=day(date(2023, 5, 5)))

    scheduler.exports_job(app)

    db.session.expire_all()
    assert db.session.scalars(sa.select(Submission.key)).all() == [recent]
    assert old != recent
