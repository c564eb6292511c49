"""Guard over the URL map: no silent overwrite anywhere.

Every POST endpoint either edits an existing record, and is walked here, or is on a short list
of endpoints that edit none (creating, deleting after a confirmation, signing in). For each
edit the test opens the form as one user, lets another user's save change the record behind
it (bumping its version as any save does), then posts the form as it was opened: the answer
must be a 409 with the GOV.UK error summary naming the other user, and the other user's
change must still be there. A new edit endpoint without the refusal fails here.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import g

from tests.cdr.factories import heard_at, make_case
from tests.conftest import Page, sign_in
from tests.factories import make_partnership, make_user
from tests.reviews.factories import make_incident
from tracker.extensions import db
from tracker.roles import Role

TODAY = date(2025, 3, 12)  # a Wednesday, after every date below

# POST endpoints that change no existing record through a form opened earlier, and why.
NOT_EDITS = {
    "public_notify.begin": "begins a new draft of the public notification form",
    "public_notify.page": "a draft's own answers, held only by the one session that has "
    "its token",
    "public_notify.check": "sends a draft once (it then stops being a draft)",
    "partnerships.public_notifications": "one yes or no that a second save simply sets again",
    "cdr.public_open_case": "creates a case (a submission key) from a submission still "
    "waiting for triage; a triaged one is refused",
    "cdr.public_add_to_case": "adds a further notification to a case from a submission "
    "still waiting for triage; a triaged one is refused",
    "cdr.public_decline": "declines a submission still waiting for triage; a triaged one is "
    "refused",
    "auth.login": "signs in",
    "auth.logout": "signs out",
    "auth.change_password": "asks for the current password, not a version",
    "auth.second_factor": "signs in (a code, checked once)",
    "auth.recovery_code": "signs in (a recovery code, spent once)",
    "auth.two_factor_setup": "confirms one's own second factor once; a second confirmation "
    "finds it set up",
    "agency.open_link": "sends a one-time code (a new code replaces the earlier one)",
    "agency.enter_code": "checks a one-time code and starts an agency session",
    "agency.sign_out": "ends an agency session",
    "agency.reporting_form": "an agency's own draft, bound to its link (no one else edits it)",
    "agency.check_answers": "sends once: the link's return is one guarded UPDATE",
    "agency.attachments_page": "adds a file to an agency's own draft (no one else edits "
    "it); each upload a row of its own",
    "agency.remove_attachment": "removes one file of an agency's own draft: removed twice is "
    "removed once",
    "cdr.accept_agency_answer": "one way, only from awaiting review: accepted twice is "
    "accepted once",
    "cdr.query_agency_answer": "one way, only from awaiting review: queried twice is "
    "queried once",
    "account.reminders": "a user's own settings, changed only by them",
    "account.end_session": "ends one's own session: ended twice is ended once",
    "admin.retry_email": "sends a failed e-mail again",
    "admin.retry_all": "sends failed e-mails again",
    "exports.retry": "builds an export again",
    "archive.download": "builds and downloads a partnership's data archive: changes nothing",
    "imports.upload": "reads a file",
    "imports.confirm": "creates the records of an import",
    "notices.dismiss": "dismisses one's own notice",
    "notices.dismiss_all": "dismisses one's own notices",
    "users.new": "creates",
    "users.reset_password": "sets a new password: nothing typed is overwritten",
    "users.unlock": "clears a lock-out",
    "users.reset_two_factor": "removes a second factor: reset twice is reset once",
    "partnerships.show": "adds a closure day (a unique day: a second is refused)",
    "partnerships.remove_closure_day": "deletes after a confirmation",
    "partnerships.remove_override": "deletes after a confirmation",
    "partnerships.reset_reminder_policy": "deletes after a confirmation",
    "cdr.cases": "the case list's filter form: keeps a search for its user, edits no record",
    "cdr.notify": "creates",
    "cdr.new_request": "creates",
    "cdr.several_requests": "creates (a request for each agency)",
    "cdr.case_agencies": "creates (adds an agency to the case's list)",
    "cdr.remove_case_agency": "deletes one agency from the list: removed twice is removed once, "
    "and no other value is written that a stale page could overwrite",
    "cdr.new_case_action": "creates",
    "cdr.complete_case_action": "one way: an action completed twice is completed once",
    "cdr.new_panel_meeting": "creates",
    "cdr.panel_ready_cases": "adds a case to an agenda (creates an item)",
    "cdr.remove_panel_item": "deletes after a confirmation",
    "cdr.ncmd_before_tracker": "one way, in bulk: sets a date only on cases still on the list "
    "of those not yet sent (a second go marks none of them again)",
    "reviews.new_incident": "creates",
    "reviews.new_delay": "creates",
    "reviews.add_rapid_review_meeting": "creates",
    "reviews.remove_rapid_review_meeting": "deletes",
    "reviews.recommendations": "creates",
    "reviews.new_review_action": "creates",
    "reviews.review_action_updates": "adds a dated update (creates)",
    "reviews.reviewers": "creates",
    "reviews.review_requests": "creates",
    "reviews.new_yearly_report": "creates",
    "agencies.new": "creates",
    "agencies.new_contact": "creates",
    "cdr.send_request_link": "creates a link (sending again makes a new one)",
    "cdr.revoke_request_link": "one way: a link revoked twice is revoked once",
    "cdr.renew_request_link": "sets a new expiry from now: renewed twice is renewed once",
    "reviews.new_information_request": "creates (a request, sent as a new link)",
    "reviews.send_information_link": "creates a link (sending again makes a new one)",
    "reviews.revoke_information_link": "one way: a link revoked twice is revoked once",
    "reviews.renew_information_link": "sets a new expiry from now: renewed twice is renewed "
    "once",
    "reviews.accept_information_answer": "one way, only from awaiting review: accepted twice "
    "is accepted once",
    "reviews.query_information_answer": "one way, only from awaiting review: queried twice is "
    "queried once",

    "retention.edit": "sets a kind's years with its own reason: a second save sets them "
    "again, both audited",
    "retention.dispose": "one way, under a row lock: a record disposed of (or held) is not "
    "disposed of again",
    "retention.hold": "sets the hold with its own reason: a second save sets it again, both "
    "audited",
    "retention.lift": "one way: a hold lifted twice is lifted once",

    "cdr.request_chasing": "sets paused or resumed as asked: done twice is done once",
    "reviews.information_request_chasing": "sets paused or resumed as asked: done twice is "
    "done once",
    "agencies.contact_active": "sets active or inactive as asked: done twice is done once",
    "partnerships.agency_link_days": "sets one number as typed: saved twice is saved once",
}


@dataclass
class Edit:
    """One edit endpoint: who edits, the record behind the form, and another user's save."""

    role: Role
    make: object  # (partnership, other partnership) -> (url values, the record edited)
    change: dict  # attributes another user's save sets on the record
    typed: dict = field(default_factory=dict)  # answers the user types over the opened form
    page: object = None  # the endpoint and values of the page holding the form, if not its own


def _case(partnership, _other, **fields):
    # A case whose details form is complete as opened.
    case = make_case(partnership, **{"place_of_death": "home", "death_expected": "no",
                                     **fields})
    return {"case_id": case.id}, case


def _heard_case(partnership, other, **fields):
    # On the agenda of a CDOP meeting held on 11 March 2025 (the outcome needs one).
    found, case = _case(partnership, other, **fields)
    heard_at(case, date(2025, 3, 11))
    return found, case


def _jar_case(partnership, other, **fields):
    return _case(partnership, other, jar_required=True, **fields)


def _recent_jar_case(partnership, other):
    # Died the day before: its first rapid response meeting is still to come (a deadline
    # already missed cannot be paused).
    return _jar_case(partnership, other, date_of_death=TODAY - timedelta(days=1),
                     notification_received_on=TODAY - timedelta(days=1))


def _meeting_case(partnership, _other):
    from cdr.models import RapidResponseMeeting

    case = make_case(partnership, jar_required=True)
    db.session.add(RapidResponseMeeting(case_id=case.id, partnership_id=partnership.id,
                                        number=1, meeting_on=date(2025, 3, 4)))
    db.session.commit()
    return {"case_id": case.id, "number": 1}, case


def _request(partnership, _other):
    from cdr.models import AgencyRequest

    case = make_case(partnership)
    request = AgencyRequest(partnership_id=partnership.id, case_id=case.id, agency="School",
                            sent_on=date(2025, 3, 3))
    db.session.add(request)
    db.session.commit()
    return {"case_id": case.id, "request_id": request.id}, request


def _agenda(partnership, _other):
    from cdr.models import PanelItem, PanelMeeting

    meeting = PanelMeeting(partnership_id=partnership.id, meeting_on=date(2025, 6, 1))
    db.session.add(meeting)
    db.session.flush()
    items = [PanelItem(partnership_id=partnership.id, meeting_id=meeting.id, position=n,
                       case_id=make_case(partnership).id) for n in (1, 2)]
    db.session.add_all(items)
    db.session.commit()
    return {"meeting_id": meeting.id, "item_id": items[0].id}, items[0]


def _incident(partnership, _other, **fields):
    incident = make_incident(partnership, **fields)
    return {"incident_id": incident.id}, incident


def _local(partnership, other, **fields):
    return _incident(partnership, other, decision="local", decision_on=date(2025, 1, 10),
                     **fields)


def _incident_record(make_record):
    def make(partnership, _other):
        incident = make_incident(partnership, decision="local", decision_on=date(2025, 1, 10))
        key, record = make_record(partnership, incident)
        db.session.add(record)
        db.session.commit()
        return {"incident_id": incident.id, key: record.id}, record
    return make


def _recommendation(partnership, incident):
    from reviews.models import Recommendation

    return "recommendation_id", Recommendation(partnership_id=partnership.id,
                                               incident_id=incident.id, number=1, text="Improve")


def _review_action(partnership, incident):
    from reviews.models import ReviewAction

    _, recommendation = _recommendation(partnership, incident)
    db.session.add(recommendation)
    db.session.flush()
    return "review_action_id", ReviewAction(
        partnership_id=partnership.id, incident_id=incident.id,
        recommendation_id=recommendation.id, description="Act", agency="LA", lead="L",
        due_on=date(2025, 9, 1), status="not_started")


def _reviewer(partnership, incident):
    from reviews.models import Reviewer

    return "reviewer_id", Reviewer(partnership_id=partnership.id, incident_id=incident.id,
                                   name="Rae Viewer")


def _review_request(partnership, incident):
    from reviews.models import ReviewRequest

    return "review_request_id", ReviewRequest(partnership_id=partnership.id,
                                              incident_id=incident.id, agency="Police",
                                              sent_on=date(2025, 2, 1), due_on=date(2025, 3, 1))


def _yearly_report(partnership, _other):
    from reviews.models import YearlyReport

    report = YearlyReport(partnership_id=partnership.id, published_on=date(2025, 1, 5),
                          url="https://example.org/report")
    db.session.add(report)
    db.session.commit()
    return {"yearly_report_id": report.id}, report


def _with_deadline(make_record, rule_key, paused=False):
    """A case or incident with url values naming one of its deadlines (paused, if asked)."""
    def make(partnership, other):
        from tracker.deadline_models import Deadline

        values, record = make_record(partnership, other)
        deadline = db.session.scalar(sa.select(Deadline).where(
            Deadline.owner_type == record.__tablename__, Deadline.owner_id == record.id,
            Deadline.rule_key == rule_key))
        if paused:
            deadline.paused_reason = "Waiting for the police"
            db.session.commit()
        return {**values, "deadline_id": deadline.id}, record
    return make


def _user(partnership, _other):
    user = make_user(Role.DESIGNATED_DOCTOR, [partnership], full_name="Dr Edited")
    return {"user_id": user.id}, user


def _override(partnership, _other):
    from tracker.models import RuleOverride

    row = RuleOverride(partnership_id=partnership.id, rule_key="agency_information_request",
                       amount=7, reason="Agreed locally")
    db.session.add(row)
    db.session.commit()
    return {"code": partnership.code, "rule_key": "agency_information_request"}, row


def _policy(partnership, _other):
    from tracker.reminders.models import ReminderPolicy

    row = ReminderPolicy(partnership_id=partnership.id, policy_key="panel_notification",
                         before_working_days=3)
    db.session.add(row)
    db.session.commit()
    return {"code": partnership.code, "policy_key": "panel_notification"}, row


def _contacts(partnership, _other):
    from tracker.statements import PartnershipContacts

    row = PartnershipContacts(partnership_id=partnership.id, privacy_contact="IG team")
    db.session.add(row)
    db.session.commit()
    return {"code": partnership.code}, row


def _directory_agency(partnership, _other):
    from tracker.agencies import AgencyContact, DirectoryAgency

    agency = DirectoryAgency(partnership_id=partnership.id, name="Police", name_key="police",
                             kind="police")
    contact = AgencyContact(agency=agency, partnership_id=partnership.id, name="Sam Desk",
                            email="sam@police.example")
    db.session.add_all([agency, contact])
    db.session.commit()
    return agency, contact


def _agency(partnership, other):
    agency, _ = _directory_agency(partnership, other)
    return {"agency_id": agency.id}, agency


def _agency_contact(partnership, other):
    agency, contact = _directory_agency(partnership, other)
    return {"agency_id": agency.id, "contact_id": contact.id}, contact


def _transfer_target(values):
    return {"partnership": str(values["_other"]), "reason": "The child lived there"}


CDOP, BUSINESS, ADMIN = Role.CDOP_ADMIN, Role.BUSINESS_UNIT, Role.SYSTEM_ADMIN
OTHER_PLACE = {"la_of_residence": "Changed by another user"}

EDITS = {
    # Child deaths: the case's own forms (the case's version).
    "cdr.edit_case": Edit(CDOP, _case, OTHER_PLACE),
    "cdr.registrar_and_coroner": Edit(CDOP, _case, OTHER_PLACE),
    "cdr.transfer_case": Edit(CDOP, _case, OTHER_PLACE, typed=_transfer_target),
    "cdr.designated_doctor": Edit(CDOP, _case, OTHER_PLACE),
    "cdr.case_owner_form": Edit(CDOP, _case, OTHER_PLACE),
    "cdr.joint_agency_response": Edit(CDOP, _jar_case, OTHER_PLACE),
    "cdr.meeting": Edit(CDOP, lambda p, o: ({**_jar_case(p, o)[0], "number": 1}, None),
                        OTHER_PLACE, typed={"meeting_on": ["5", "3", "2025"]}),
    "cdr.post_mortem_decision": Edit(CDOP, _jar_case, OTHER_PLACE,
                                     typed={"choice": "not_held",
                                            "decided_on": ["6", "3", "2025"],
                                            "decided_by": "Coroner's officer"}),
    "cdr.inquest_and_family_support": Edit(CDOP, _case, OTHER_PLACE,
                                           typed={"key_worker_name": "Sam Carter",
                                                  "key_worker_agency": "Hospital"}),
    "cdr.cancel_meeting": Edit(CDOP, _meeting_case, OTHER_PLACE,
                               typed={"reason": "Nobody could come"}),
    "cdr.information_complete": Edit(CDOP, _case, OTHER_PLACE, typed={"complete": "yes"},
                                     page="cdr.case"),
    "cdr.review_meeting": Edit(
        CDOP, lambda p, o: _case(p, o, review_meeting_on=date(2025, 3, 10),
                                 review_meeting_attendees="Doctor, nurse",
                                 analysis_summary="Summary"), OTHER_PLACE),
    "cdr.case_outcome": Edit(
        CDOP, lambda p, o: _heard_case(p, o, information_complete=True,
                                       review_meeting_on=date(2025, 3, 10)), OTHER_PLACE,
        typed={"category": "suicide", "modifiable_factors": "no",
               "review_completed_on": ["11", "3", "2025"]}),
    "cdr.reopen_case": Edit(CDOP, lambda p, o: _case(p, o, closed_on=date(2025, 3, 11)),
                            OTHER_PLACE, typed={"reason": "New information"}),
    "cdr.mark_ncmd_sent": Edit(
        CDOP, lambda p, o: (lambda values, case: ({**values, "step": "notification"}, case))(
            *_case(p, o)), OTHER_PLACE, typed={"sent_on": ["5", "3", "2025"]}),
    # Child deaths: records of a case.
    "cdr.edit_request": Edit(CDOP, _request, {"returned_on": date(2025, 3, 10)}),
    "cdr.deadline_pause": Edit(CDOP, _with_deadline(_recent_jar_case, "rr_meeting_1"),
                               OTHER_PLACE,
                               typed={"reason": "Waiting for the inquest"}),
    "cdr.deadline_resume": Edit(CDOP, _with_deadline(_jar_case, "rr_meeting_1", paused=True),
                                OTHER_PLACE),
    "cdr.move_panel_item": Edit(CDOP, _agenda, {"position": 3}, typed={"direction": "down"},
                                page="cdr.panel_meeting"),
    # Practice reviews: the incident's own forms (the incident's version).
    "reviews.notifications": Edit(BUSINESS, _incident, {"location": "out_of_area"}),
    "reviews.incident_owner": Edit(BUSINESS, _incident, {"location": "out_of_area"}),
    "reviews.deadline_pause": Edit(BUSINESS, _with_deadline(_local, "cspr_publication"),
                                   {"location": "out_of_area"},
                                   typed={"reason": "Waiting for the inquest"}),
    "reviews.deadline_resume": Edit(
        BUSINESS, _with_deadline(_incident, "panel_notification", paused=True),
        {"location": "out_of_area"}),
    "reviews.rapid_review": Edit(BUSINESS, _incident, {"location": "out_of_area"}),
    "reviews.panel_response": Edit(BUSINESS, _incident, {"location": "out_of_area"}),
    "reviews.decision": Edit(BUSINESS, lambda p, o: _local(
        p, o, decision_rationale="Learning for the area", family_told=True,
        family_told_on=date(2025, 1, 13), decision_informed_on=date(2025, 1, 13)),
        {"location": "out_of_area"}),
    "reviews.terms_of_reference": Edit(
        BUSINESS, lambda p, o: _local(p, o, terms_of_reference="What happened and why"),
        {"location": "out_of_area"}),
    "reviews.publication": Edit(BUSINESS, _local, {"location": "out_of_area"}),
    # Practice reviews: records of a review.
    "reviews.recommendation": Edit(BUSINESS, _incident_record(_recommendation),
                                   {"text": "Changed by another user"}),
    "reviews.review_action": Edit(BUSINESS, _incident_record(_review_action),
                                  {"status": "in_progress"}),
    "reviews.edit_reviewer": Edit(BUSINESS, _incident_record(_reviewer),
                                  {"name": "Changed by another user"}),
    "reviews.review_request": Edit(BUSINESS, _incident_record(_review_request),
                                   {"answered_on": date(2025, 3, 10)}),
    "reviews.yearly_report": Edit(BUSINESS, _yearly_report,
                                  {"url": "https://example.org/changed"}),
    # The shell: users and partnership settings.
    "users.edit": Edit(ADMIN, _user, {"full_name": "Changed by another user"}),
    "partnerships.override": Edit(ADMIN, _override, {"reason": "Changed by another user"}),
    "partnerships.reminder_policy": Edit(ADMIN, _policy, {"before_working_days": 7}),
    "statements.contacts": Edit(ADMIN, _contacts, {"privacy_contact": "Changed by another"}),
    # The shell: the agency directory.
    "agencies.edit": Edit(CDOP, _agency, {"kind": "other"}),
    "agencies.edit_contact": Edit(CDOP, _agency_contact, {"role": "Changed by another user"}),
}


def test_every_post_endpoint_is_walked_here_or_edits_no_record(app):
    posts = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    unlisted = posts - set(EDITS) - set(NOT_EDITS)
    assert unlisted == set(), (
        "A new POST endpoint: if it edits an existing record, give its form the version "
        "(forms.base.VersionedForm, tracker.versioning) and add it to EDITS; else say why "
        "in NOT_EDITS")
    assert set(EDITS) & set(NOT_EDITS) == set()
    assert set(EDITS) | set(NOT_EDITS) <= posts, "a listed endpoint no longer exists"


@pytest.fixture
def fixed_today(clock):
    """Every page counts from TODAY, whatever the wall clock says."""
    clock.set(TODAY)


def _signed_in(app, role, partnerships, name):
    user = make_user(role, partnerships, full_name=name)
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client, user


def _url(app, endpoint, values):
    with app.test_request_context():
        from flask import url_for
        return url_for(endpoint, **{k: v for k, v in values.items() if not k.startswith("_")})


def opened_answers(html, url, page_url):
    """What a browser would post from the page's form that posts to `url`."""
    for form in BeautifulSoup(html, "html.parser").find_all("form"):
        action = (form.get("action") or page_url).split("?")[0].split("#")[0]
        if action != url:
            continue
        data = {}
        for tag in form.select("input, textarea, select"):
            name = tag.get("name")
            if not name or tag.get("type") in ("submit", "button"):
                continue
            if tag.get("type") in ("radio", "checkbox") and not tag.has_attr("checked"):
                continue
            if tag.name == "textarea":
                value = tag.get_text()
            elif tag.name == "select":
                chosen = tag.find("option", selected=True) or tag.find("option")
                value = chosen.get("value", chosen.get_text()) if chosen else ""
            else:
                value = tag.get("value", "on" if tag.get("type") == "checkbox" else "")
            data.setdefault(name, []).append(value)
        return data
    raise AssertionError(f"no form on {page_url} posts to {url}")


def _hidden_names(html):
    return {tag["name"] for tag in BeautifulSoup(html, "html.parser").select(
        "input[type=hidden][name]")}


def _save_as(user, record, changes):
    """Another user's save of the record: audited as theirs, its version bumped."""
    g.audit_actor = user
    try:
        for name, value in changes.items():
            setattr(record, name, value)
        if sa.inspect(type(record)).version_id_col is None:
            record.version += 1  # the user table: its edit form bumps it
        db.session.commit()
    finally:
        g.pop("audit_actor", None)


@pytest.mark.parametrize("endpoint", sorted(EDITS))
def test_a_save_on_a_page_opened_before_someone_elses_is_refused(app, fixed_today, endpoint):
    edit = EDITS[endpoint]
    partnership = make_partnership(code="NSP", name="Northshire Partnership")
    other = make_partnership(code="SVP", name="Southvale Partnership")
    client, _me = _signed_in(app, edit.role, [partnership, other], "Ann Opener")
    _, someone = _signed_in(app, edit.role, [partnership], "Sam Otherone")
    values, record = edit.make(partnership, other)
    values["_other"] = other.id
    if record is None:  # a rapid response meeting: the case is the record behind it
        from cdr.models import ChildDeathCase
        record = db.session.get(ChildDeathCase, values["case_id"])
    url = _url(app, endpoint, values)
    page_url = _url(app, edit.page, values) if edit.page else url
    opened = client.get(page_url)
    assert opened.status_code == 200, f"{endpoint}: {page_url} answered {opened.status_code}"
    answers = opened_answers(opened.get_data(as_text=True), url, page_url)
    assert answers.get("version", [""])[0] != "", f"{endpoint}: the form carries no version"
    typed = edit.typed(values) if callable(edit.typed) else edit.typed

    _save_as(someone, record, edit.change)
    response = client.post(url, data={**answers, **typed})

    result = Page(response)
    assert response.status_code == 409, (
        f"{endpoint} accepted a stale save ({response.status_code}): "
        f"{result.errors or result.text()[:1500]}")
    message = " ".join(result.errors) or result.text("#stale-message")
    assert "Sam Otherone" in message, f"{endpoint}: {message!r}"
    if edit.page is None:
        # What the user typed is still on the page, at the record's current version.
        posted = {**answers, **{k: v if isinstance(v, list) else [v] for k, v in typed.items()}}
        shown = opened_answers(response.get_data(as_text=True), url, url)
        hidden = _hidden_names(opened.get_data(as_text=True))
        lost = {name: (value, shown.get(name)) for name, value in posted.items()
                if name not in hidden and shown.get(name) != value}
        assert lost == {}, f"{endpoint}: typed answers lost (typed, shown): {lost}"
        assert shown["version"] != answers["version"], f"{endpoint}: still the old version"
    db.session.expire_all()
    fresh = db.session.get(type(record), record.id)
    for name, value in edit.change.items():
        assert getattr(fresh, name) == value, f"{endpoint}: the other user's {name} was lost"
