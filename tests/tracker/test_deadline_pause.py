"""Pausing a deadline with the reason, and resuming it, from a child death case's page (a CDOP
administrator) and a practice review's page (the business unit): tracker.deadline_pause."""

from dataclasses import dataclass
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from flask import url_for

from tests.cdr.factories import make_case
from tests.reviews.factories import make_incident
from tests.tracker.test_audit import count_queries
from tracker.audit import AuditEvent
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.mail import OutboundEmail
from tracker.reminders.models import Reminder
from tracker.reminders.passes import run_pass
from tracker.timeline import TimelineEntry

# Wednesday 9 December 2026. The child died (or the local authority became aware) on
# Monday 7 December: the first rapid response meeting is due by Saturday 12 December (5
# calendar days, local practice); the registrar's 7 days from the registration are a
# statutory duty. The practice review is a local review decided on 14 June 2026, so its
# publication is due by Monday 14 December (6 months, guidance).
TODAY = date(2026, 12, 9)
REASON = "Police asked us to wait: criminal investigation under way"


@pytest.fixture(autouse=True)
def frozen_today(clock):
    clock.set(TODAY)


@dataclass
class Domain:
    """One domain's case, the account that may edit it, and its pages."""

    name: str
    client: object
    record: object
    owner_args: dict
    rule: str  # a deadline of the record that may be paused
    label: str
    page: str  # the case or review page's endpoint

    def deadline(self, rule=None) -> Deadline:
        return db.session.scalar(sa.select(Deadline).where(
            Deadline.owner_type == self.record.__tablename__,
            Deadline.owner_id == self.record.id, Deadline.rule_key == (rule or self.rule)))

    def url_values(self, deadline=None) -> dict:
        return {**self.owner_args, "deadline_id": (deadline or self.deadline()).id}

    def version(self) -> int:
        db.session.expire_all()
        return db.session.get(type(self.record), self.record.id).version


def _child_death(client, partnership):
    case = make_case(partnership, date_of_death=date(2026, 12, 7),
                     notification_received_on=date(2026, 12, 7), jar_required=True,
                     death_registered_on=date(2026, 12, 8), owner_id=client.user.id)
    return Domain("cdr", client, case, {"case_id": case.id}, "rr_meeting_1",
                  "First rapid response meeting", "cdr.case")


def _practice_review(client, partnership):
    # A local review decided on 14 June 2026: its publication is due by Monday 14 December.
    incident = make_incident(partnership, la_aware_on=date(2026, 5, 1),
                             incident_date=date(2026, 4, 29), decision="local",
                             decision_on=date(2026, 6, 14), panel_notified_on=date(2026, 5, 5),
                             partners_notified_on=date(2026, 5, 5), owner_id=client.user.id)
    return Domain("reviews", client, incident, {"incident_id": incident.id},
                  "cspr_publication", "Publish the local child safeguarding practice review",
                  "reviews.incident")


@pytest.fixture(params=["cdr", "reviews"])
def domain(request, partnership):
    client = request.getfixturevalue("cdop_client" if request.param == "cdr"
                                     else "business_client")
    make = _child_death if request.param == "cdr" else _practice_review
    return make(client, partnership)


def _pause(call, domain, reason=REASON, status=302, client=None, **data):
    return call(client or domain.client, f"{domain.name}.deadline_pause", status=status,
                data={"reason": reason, **data}, **domain.url_values())


def _resume(call, domain, status=302, client=None, **data):
    return call(client or domain.client, f"{domain.name}.deadline_resume", status=status,
                data=data, **domain.url_values())


def _row(call, domain, client=None):
    page = call(client or domain.client, domain.page, **domain.owner_args)
    return page, page.text(f"#deadline-{domain.rule}")


def _timeline(domain) -> list[str]:
    return db.session.scalars(sa.select(TimelineEntry.text).where(
        TimelineEntry.owner_type == domain.record.__tablename__,
        TimelineEntry.owner_id == domain.record.id, TimelineEntry.kind == "deadline")
        .order_by(TimelineEntry.id)).all()


# --- Pause and resume -------------------------------------------------------------------------


def test_a_deadline_is_paused_with_its_reason_audited_and_on_the_timeline(call, domain):
    page, row = _row(call, domain)
    assert row.endswith(f"Pause {domain.label}")  # the link, named for a screen reader
    form = call(domain.client, f"{domain.name}.deadline_pause", **domain.url_values())
    assert form.text("h1") == "Pause a deadline"
    assert form.html.select_one("textarea[name=reason]").get_text().strip() == ""

    _pause(call, domain)

    assert domain.deadline().paused_reason == REASON
    page, row = _row(call, domain)
    assert f"Paused {REASON}" in row
    assert f"Resume {domain.label}" in row
    assert f"{domain.label} paused: {REASON}" in page.text(".app-timeline")
    if domain.name == "cdr":  # the rapid response meetings' table says why too
        assert f"Paused {REASON}" in page.text("#meeting-table")
    change = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == "Deadline", AuditEvent.action == "update")).all()[-1]
    assert change.changes["paused_reason"] == [None, REASON]
    assert change.user_id == domain.client.user.id


def test_a_paused_deadline_is_resumed_on_the_due_date_the_rules_set(call, domain):
    due = domain.deadline().due_date
    _pause(call, domain)
    # Someone moved the stored date by hand: resuming runs the case through the rules again.
    domain.deadline().due_date = date(2027, 1, 1)
    db.session.commit()
    form = call(domain.client, f"{domain.name}.deadline_resume", **domain.url_values())
    assert form.text("h1") == "Resume a paused deadline"
    assert f"Paused since {TODAY.day} December 2026" in form.text("#deadline-summary")

    _resume(call, domain)

    deadline = domain.deadline()
    assert deadline.paused_reason is None
    assert deadline.due_date == due
    page, row = _row(call, domain)
    assert "Paused" not in row and row.endswith(f"Pause {domain.label}")
    assert _timeline(domain)[-1] == (f"{domain.label} resumed: due {due.day} December 2026")
    changes = [event.changes["paused_reason"] for event in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "Deadline",
                                    AuditEvent.action == "update")
        .order_by(AuditEvent.id)) if "paused_reason" in (event.changes or {})]
    assert changes == [[None, REASON], [REASON, None]]


def test_the_reason_of_a_paused_deadline_can_be_changed(call, domain):
    _pause(call, domain)
    form = call(domain.client, f"{domain.name}.deadline_pause", **domain.url_values())
    assert form.text("h1") == "Change why the deadline is paused"
    assert form.html.select_one("textarea[name=reason]").get_text().strip() == REASON

    _pause(call, domain, reason="Inquest opened and adjourned")

    assert domain.deadline().paused_reason == "Inquest opened and adjourned"
    assert _timeline(domain)[-1] == (f"Reason for pausing {domain.label} changed: "
                                     "Inquest opened and adjourned")


# --- Refused ---------------------------------------------------------------------------------


def test_a_pause_without_a_reason_is_refused_and_nothing_is_saved(call, domain):
    version = domain.version()

    page = _pause(call, domain, reason="   ", status=400)

    assert page.errors == ["Enter why the deadline is paused"]
    assert page.html.select_one("title").get_text().startswith("Error: ")
    assert domain.deadline().paused_reason is None
    assert domain.version() == version
    assert _timeline(domain) == []


def test_a_pause_without_a_csrf_token_is_refused(domain, app):
    with app.test_request_context():
        url = url_for(f"{domain.name}.deadline_pause", **domain.url_values())
    response = domain.client.post(url, data={"reason": REASON, "version": domain.version()})
    assert response.status_code == 400
    assert domain.deadline().paused_reason is None


def test_a_stale_pause_is_refused_and_keeps_what_was_typed(call, domain, partnership):
    opened = domain.version()
    _pause(call, domain, reason="Waiting for the inquest")  # someone else, in between

    page = _pause(call, domain, status=409, version=str(opened))

    assert page.errors[0].startswith(f"{domain.client.user.full_name} changed this ")
    assert page.errors[0].endswith("Your reason is still below: check it against the "
                                   "deadline as it is now, above, and save again")
    # The summary leads to the reason, where what was typed is kept, and the field says so.
    page.assert_errors_lead_to_visible()
    assert page.error_targets()[0].name == "textarea"
    assert page.text("#reason-error").startswith("Error: ")
    assert page.html.select_one("textarea[name=reason]").get_text().strip() == REASON
    assert page.text("#paused-reason") == "Waiting for the inquest"  # as it is now
    assert domain.deadline().paused_reason == "Waiting for the inquest"


def test_a_stale_resume_is_refused_linking_to_the_deadline_as_it_is_now(call, domain):
    _pause(call, domain)
    opened = domain.version()
    _pause(call, domain, reason="Waiting for the inquest")

    page = _resume(call, domain, status=409, version=str(opened))

    assert page.text("title").startswith("Error: Resume a paused deadline")
    assert page.errors == [
        f"{domain.client.user.full_name} changed this "
        f"{'case' if domain.name == 'cdr' else 'incident'} on 9 December 2026 at 12:00pm, "
        "after you opened this page, so your changes have not been saved. The deadline as "
        "it is now is below: resume it again if it should be"]
    # Not the hidden version field: the deadline's summary, with the new reason.
    page.assert_errors_lead_to_visible()
    assert page.error_targets()[0]["id"] == "deadline-summary"
    assert "Waiting for the inquest" in page.text("#deadline-summary")
    assert domain.deadline().paused_reason == "Waiting for the inquest"
    # Resumed again, knowingly, from the page as refused: it goes through.
    version = page.html.select_one("input[name=version]")["value"]
    _resume(call, domain, version=version)
    assert domain.deadline().paused_reason is None


@pytest.mark.parametrize("who", ["auditor_client", "panel_client", "other_domain"])
def test_only_those_who_may_edit_the_case_pause_or_resume(call, domain, request, app, who):
    if who == "other_domain":
        who = "business_client" if domain.name == "cdr" else "cdop_client"
    client = request.getfixturevalue(who)
    _pause(call, domain)
    for endpoint in ("deadline_pause", "deadline_resume"):
        call(client, f"{domain.name}.{endpoint}", status=403, **domain.url_values())
        with app.test_request_context():
            url = url_for(f"{domain.name}.{endpoint}", **domain.url_values())
        response = client.post(url, data={"reason": "Mine"})
        assert response.status_code in (400, 403)
    assert domain.deadline().paused_reason == REASON
    if who == "auditor_client":  # reads the reason, without the links
        _, row = _row(call, domain, client)
        assert row.endswith(f"Paused {REASON}")


def test_another_partnerships_deadline_is_not_found(call, partnership, other_partnership,
                                                    request):
    ours = _child_death(request.getfixturevalue("cdop_client"), partnership)
    theirs = make_case(other_partnership, date_of_death=date(2026, 12, 7), jar_required=True)
    theirs_deadline = db.session.scalar(sa.select(Deadline).where(
        Deadline.owner_type == "cdr_case", Deadline.owner_id == theirs.id))
    client = ours.client
    call(client, "cdr.deadline_pause", status=404, case_id=theirs.id,
         deadline_id=theirs_deadline.id)
    # Their deadline through our case: not ours either.
    call(client, "cdr.deadline_pause", status=404, case_id=ours.record.id,
         deadline_id=theirs_deadline.id)
    assert theirs_deadline.paused_reason is None


def test_a_statutory_duty_has_no_pause(call, partnership, request):
    domain = _child_death(request.getfixturevalue("cdop_client"), partnership)
    registrar = domain.deadline("registrar_notification")
    page = call(domain.client, domain.page, **domain.owner_args)
    assert "Pause" not in page.text("#deadline-registrar_notification")

    call(domain.client, "cdr.deadline_pause", status=302, data={"reason": REASON},
         form_page=("cdr.case", domain.owner_args), case_id=domain.record.id,
         deadline_id=registrar.id)

    assert domain.deadline("registrar_notification").paused_reason is None
    assert "the law gives it no pause" in call(domain.client, domain.page,
                                               **domain.owner_args).text()


def _refused_pause(call, domain, rule, says):
    """The deadline of `rule` offers no pause, a forced one saves nothing, and the case page
    says why."""
    deadline = domain.deadline(rule)
    page = call(domain.client, domain.page, **domain.owner_args)
    assert "Pause" not in page.text(f"#deadline-{rule}")
    call(domain.client, f"{domain.name}.deadline_pause", status=302, data={"reason": REASON},
         form_page=(domain.page, domain.owner_args), deadline_id=deadline.id,
         **domain.owner_args)
    assert domain.deadline(rule).paused_reason is None
    assert says in call(domain.client, domain.page, **domain.owner_args).text()


def test_a_notification_to_the_panel_has_no_pause(call, partnership, request, clock):
    # Aware on Monday 7 December: the Panel's notification is due Monday 14 December.
    client = request.getfixturevalue("business_client")
    incident = make_incident(partnership, la_aware_on=date(2026, 12, 7),
                             incident_date=date(2026, 12, 5), owner_id=client.user.id)
    domain = Domain("reviews", client, incident, {"incident_id": incident.id},
                    "panel_notification", "", "reviews.incident")
    _refused_pause(call, domain, "panel_notification",
                   "Notifications and the rapid review go ahead whatever else is under way")


def test_a_deadline_already_missed_cannot_be_paused(call, partnership, request):
    # Died on Monday 30 November: the first meeting was due by Saturday 5 December.
    client = request.getfixturevalue("cdop_client")
    case = make_case(partnership, date_of_death=date(2026, 11, 30),
                     notification_received_on=date(2026, 11, 30), jar_required=True,
                     owner_id=client.user.id)
    domain = Domain("cdr", client, case, {"case_id": case.id}, "rr_meeting_1",
                    "First rapid response meeting", "cdr.case")
    _refused_pause(call, domain, domain.rule, "was due on 5 December 2026 and has passed")


def test_a_paused_deadline_resumes_even_once_it_could_not_be_paused(call, partnership,
                                                                     request):
    domain = _child_death(request.getfixturevalue("cdop_client"), partnership)
    _pause(call, domain)
    domain.deadline().not_applicable_reason = "No Joint Agency Response after all"
    db.session.commit()
    # It still offers Resume (else it would remind nobody for ever), and resumes.
    assert f"Resume {domain.label}" in _row(call, domain)[1]
    _resume(call, domain)
    assert domain.deadline().paused_reason is None


def test_a_closed_case_takes_no_new_pause(call, partnership, request):
    domain = _child_death(request.getfixturevalue("cdop_client"), partnership)
    domain.record.closed_on = TODAY
    db.session.commit()
    _refused_pause(call, domain, domain.rule, "This case is closed")


# --- What a pause does ----------------------------------------------------------------------


def _steps(owner) -> set[str]:
    return {r.step for r in db.session.scalars(sa.select(Reminder).where(
        Reminder.recipient_id == owner.id))}


def test_a_paused_deadline_reminds_nobody_until_it_is_resumed(call, partnership, request,
                                                              clock):
    # Thursday 10 December: 2 working days before the review's publication is due.
    clock.set(date(2026, 12, 10))
    domain = _practice_review(request.getfixturevalue("business_client"), partnership)
    owner = domain.client.user
    _pause(call, domain)

    run_pass(date(2026, 12, 10), datetime(2026, 12, 10, 8), send=False)  # the day's digest

    assert domain.label not in _steps(owner)
    digest = db.session.scalar(sa.select(OutboundEmail).where(
        OutboundEmail.to_address == owner.email))
    paused = digest.text_body.split("Paused:", 1)[1]
    assert f"- {domain.record.reference}: {domain.label}. Paused since 10 December 2026" in paused
    assert REASON not in digest.text_body and REASON not in digest.html_body

    _resume(call, domain)
    run_pass(date(2026, 12, 10), datetime(2026, 12, 10, 9), send=False)

    assert domain.label in _steps(owner)


def test_the_pause_page_issues_a_fixed_number_of_queries(call, domain, app):
    def queries():
        with count_queries() as statements:
            call(domain.client, f"{domain.name}.deadline_pause", **domain.url_values())
        return len(statements)

    queries()
    before = queries()
    _pause(call, domain)
    queries()  # after a save the test's session reloads the user's partnerships once
    assert queries() == before + 1  # "paused since" from the audit trail, once


def test_the_case_page_issues_as_many_queries_with_a_paused_deadline(call, domain):
    def queries():
        with count_queries() as statements:
            call(domain.client, domain.page, **domain.owner_args)
        return len(statements)

    queries()
    before = queries()
    _pause(call, domain)
    queries()
    assert queries() == before


def test_the_publication_pause_asks_for_the_panel_and_secretary_of_state_to_be_told(
        call, partnership, request):
    client = request.getfixturevalue("business_client")
    incident = make_incident(partnership, la_aware_on=date(2026, 9, 1),
                             incident_date=date(2026, 8, 30), decision="local",
                             decision_on=date(2026, 10, 1), panel_notified_on=date(2026, 9, 2),
                             partners_notified_on=date(2026, 9, 2))
    domain = Domain("reviews", client, incident, {"incident_id": incident.id},
                    "cspr_publication", "Publish the local child safeguarding practice review",
                    "reviews.incident")
    form = call(client, "reviews.deadline_pause", **domain.url_values())
    assert "tell the Panel and the Secretary of State" in form.text("#pause-note")
    _pause(call, domain)
    assert domain.deadline().paused_reason == REASON
    # The review's publication section says why, beside its status.
    page = call(client, "reviews.incident", **domain.owner_args)
    assert f"Paused {REASON}" in page.text("#publication-summary")



def test_a_deadline_paused_when_its_case_was_anonymised_stays_as_it_is(call, domain):
    from tracker.disposal import REMOVED

    _pause(call, domain)
    domain.deadline().paused_reason = REMOVED  # as a disposal leaves it
    db.session.commit()
    version = domain.version()

    assert "Resume" not in _row(call, domain)[1] and "Change reason" not in _row(call, domain)[1]
    call(domain.client, f"{domain.name}.deadline_resume", status=302,
         data={"version": str(version)}, form_page=(domain.page, domain.owner_args),
         **domain.url_values())
    assert domain.deadline().paused_reason == REMOVED
    assert "anonymised at disposal" in call(domain.client, domain.page,
                                            **domain.owner_args).text()
