"""Guard tests over the URL map: every page needs a permission, and records of another
partnership answer 404 on every page that takes an id, in every domain."""

from datetime import date

import pytest

from tests.cdr.factories import make_case
from tests.factories import make_user
from tests.reviews.factories import make_incident
from tracker.extensions import db
from tracker.roles import Role
from tracker.security import PUBLIC_ENDPOINTS, SIGNED_IN_ENDPOINTS


def _view_functions(app):
    return {rule.endpoint: app.view_functions[rule.endpoint] for rule in app.url_map.iter_rules()}


def test_every_endpoint_names_its_permission_or_is_on_a_short_list(app):
    missing = [
        endpoint
        for endpoint, view in _view_functions(app).items()
        if endpoint not in PUBLIC_ENDPOINTS
        and endpoint not in SIGNED_IN_ENDPOINTS
        and not hasattr(view, "required_permission")
        and not getattr(view, "public_page", False)
    ]
    assert missing == [], "pages without @permission_required"
    # Home, sign out, change one's password, set up one's second factor, one's own sessions
    # and ending one of them.
    assert len(SIGNED_IN_ENDPOINTS) <= 6


def _records_elsewhere(partnership):
    """One record of each kind a URL can name, all in `partnership`."""
    from cdr.models import AgencyRequest, CaseAction, PanelItem, PanelMeeting
    from reviews.models import Recommendation, ReviewAction, Reviewer, ReviewRequest, YearlyReport

    case = make_case(partnership, jar_required=True)
    incident = make_incident(partnership, decision="local", decision_on=date(2025, 1, 10))
    meeting = PanelMeeting(partnership_id=partnership.id, meeting_on=date(2025, 6, 1))
    request = AgencyRequest(partnership_id=partnership.id, case_id=case.id, agency="School",
                            sent_on=date(2025, 3, 3))
    action = CaseAction(partnership_id=partnership.id, case_id=case.id, description="Do it",
                        owner="Someone")
    reviewer = Reviewer(partnership_id=partnership.id, incident_id=incident.id, name="R")
    review_request = ReviewRequest(partnership_id=partnership.id, incident_id=incident.id,
                                   agency="Police", sent_on=date(2025, 2, 1))
    recommendation = Recommendation(partnership_id=partnership.id, incident_id=incident.id,
                                    number=1, text="Improve")
    db.session.add_all([meeting, request, action, reviewer, review_request, recommendation])
    db.session.flush()
    item = PanelItem(partnership_id=partnership.id, meeting_id=meeting.id, case_id=case.id)
    review_action = ReviewAction(partnership_id=partnership.id, incident_id=incident.id,
                                 recommendation_id=recommendation.id, description="Act",
                                 agency="LA", lead="L", due_on=date(2025, 9, 1))
    yearly_report = YearlyReport(partnership_id=partnership.id, published_on=date(2025, 1, 5))
    notice, email = _reminder_records(partnership)
    from tracker.agencies import AgencyContact, DirectoryAgency

    agency = DirectoryAgency(partnership_id=partnership.id, name="Police", name_key="police",
                             kind="police")
    contact = AgencyContact(agency=agency, partnership_id=partnership.id, name="C",
                            email="c@police.example")
    from datetime import datetime

    from cdr.models.public import PublicNotification
    submission = PublicNotification(partnership_id=partnership.id, status="submitted",
                                    answers={}, reference=f"PN-{partnership.code}-2025-0001",
                                    submitted_at=datetime(2025, 3, 3, 9, 0))
    # Another user's signed-in session (tracker.user_sessions): ending it answers 404.
    import secrets

    from tracker.user_sessions import UserSession
    their_session = UserSession(user_id=make_user(Role.CDOP_ADMIN, [partnership]).id,
                                token_hash=secrets.token_hex(32))
    db.session.add_all([item, review_action, yearly_report, notice, email, agency, contact,
                        submission, their_session])
    db.session.flush()
    attachment = _attachment_sent(partnership, request, contact)
    from reviews.models import InformationRequest
    information_request = InformationRequest(
        partnership_id=partnership.id, incident_id=incident.id, agency_id=agency.id,
        stage="rapid_review", asked="Records", due_on=date(2025, 3, 17))
    db.session.add(information_request)
    db.session.commit()
    from tracker.deadline_models import Deadline
    deadline = db.session.scalar(db.select(Deadline).where(
        Deadline.owner_type == "cdr_case", Deadline.owner_id == case.id,
        Deadline.rule_key == "rr_meeting_1"))
    return {
        "case_id": case.id, "incident_id": incident.id, "meeting_id": meeting.id,
        "request_id": request.id, "action_id": action.id, "item_id": item.id,
        "reviewer_id": reviewer.id, "recommendation_id": recommendation.id,
        "review_action_id": review_action.id, "review_request_id": review_request.id,
        "yearly_report_id": yearly_report.id,
        "notice_id": notice.id, "email_id": email.id, "submission_id": submission.id,
        "agency_id": agency.id, "contact_id": contact.id, "attachment_id": attachment.id,
        "information_request_id": information_request.id, "session_id": their_session.id,
        "deadline_id": deadline.id,
        # Not records: a meeting number, or a position; a national form sent to the NCMD.
        "number": 1, "step": "notification",
    }


def _attachment_sent(partnership, request, contact):
    """A file attached to a reporting form sent online through a link of `request`."""
    from datetime import datetime

    from tracker.agency_access import SUBMITTED, AgencyAnswer
    from tracker.agency_links import AgencyLink
    from tracker.attachments import AgencyAttachment

    when = datetime(2025, 3, 3, 9, 0)
    link = AgencyLink(partnership_id=partnership.id, owner_type="cdr_agency_request",
                      owner_id=request.id, contact_id=contact.id, token_hash="0" * 64,
                      expires_at=when, returned_at=when)
    db.session.add(link)
    db.session.flush()
    answer = AgencyAnswer(link_id=link.id, partnership_id=partnership.id, answers={},
                          status=SUBMITTED, submitted_at=when)
    db.session.add(answer)
    db.session.flush()
    attachment = AgencyAttachment(answer_id=answer.id, link_id=link.id, kind="pdf", size=1,
                                  partnership_id=partnership.id, original_name="a.pdf",
                                  sha256="0" * 64, stored_name="0" * 32, uploaded_at=when)
    db.session.add(attachment)
    db.session.flush()
    return attachment


def _reminder_records(partnership):
    """A notice to someone in `partnership`, and a failed e-mail of that partnership."""
    from tracker.mail import FAILED, OutboundEmail
    from tracker.reminders.models import Reminder

    someone = make_user(Role.BUSINESS_UNIT, [partnership])
    notice = Reminder(subject_type="deadline", subject_id=1, stage="due", recipient_id=someone.id,
                      fire_date=date(2025, 3, 3), partnership_id=partnership.id, policy_key="x",
                      step="Step", reference="R", link="/", due_date=date(2025, 3, 3),
                      claim="guard")
    email = OutboundEmail(kind="digest", to_address=someone.email, subject="Reminders",
                          text_body="", html_body="", message_id="<guard@tracker>",
                          partnership_id=partnership.id, status=FAILED)
    return notice, email


# URL argument -> the record kind it names (a new argument name must be added here).
ARGUMENTS = {
    "case_id", "incident_id", "meeting_id", "request_id", "action_id", "item_id",
    "reviewer_id", "recommendation_id", "review_action_id", "review_request_id", "number",
    "yearly_report_id", "notice_id", "email_id", "step", "agency_id", "contact_id",
    "submission_id", "attachment_id", "information_request_id", "session_id", "deadline_id",
    # The shell's own: users and partnership settings have their own tests.
    "user_id", "code", "closure_id", "rule_key", "filename",
}
# (An import's pages name the import, never a record: tests/tracker/test_imports.py; an
# export job's pages answer only the user who asked for it: tests/tracker/test_export_jobs.py;
# the agency side's pages name a personal link's token, no record, and refuse every token
# that does not open a live link alike: tests/tracker/test_agency_access.py; a partnership's
# data archive is a partnership settings page: tests/tracker/test_archive.py.)
SHELL_PREFIXES = ("users.", "partnerships.", "imports.", "exports.", "archive.", "static",
                  "govuk_",
                  # The public notification form: open to all, by partnership code
                  # (tests/cdr/test_public_notifications.py).
                  "public_notify.", "agency.",
                  # A partnership's contacts for its statements, a partnership setting by
                  # code (tests/tracker/test_statements.py).
                  "statements.",
                  # Retention: a system administrator's partnership pages, by code (the other
                  # partnership's answer 404: tests/cdr/test_retention.py).
                  "retention.")


@pytest.fixture
def everyone_client(app, partnership, call):
    """A user with every case permission: a CDOP administrator who is also a business unit
    manager is not a role, so two clients: one per domain."""
    from tests.conftest import sign_in

    clients = []
    for role in (Role.CDOP_ADMIN, Role.BUSINESS_UNIT):
        user = make_user(role, [partnership])
        client = app.test_client()
        assert sign_in(client, user.email).status_code == 302
        clients.append(client)
    return clients


def test_every_page_that_names_a_record_of_another_partnership_answers_404(
    app, other_partnership, everyone_client
):
    from tests.conftest import csrf_token_from

    values = _records_elsewhere(other_partnership)
    tokens = [csrf_token_from(c.get("/change-password").get_data(as_text=True))
              for c in everyone_client]
    checked = []
    for rule in app.url_map.iter_rules():
        if not rule.arguments or rule.endpoint.startswith(SHELL_PREFIXES):
            continue
        unknown = set(rule.arguments) - ARGUMENTS
        assert not unknown, f"{rule.endpoint}: add {unknown} to this guard test"
        url = rule.build({name: values[name] for name in rule.arguments})[1]
        for client, token in zip(everyone_client, tokens, strict=True):
            for method in sorted(rule.methods & {"GET", "POST"}):
                data = {"csrf_token": token} if method == "POST" else None
                response = client.open(url, method=method, data=data)
                # 404 for the other partnership's record, the same as a missing one; 403 when
                # the role lacks the page's permission. Never 200, 400 or a redirect: the
                # record is looked up, and refused, before anything else happens.
                assert response.status_code in (403, 404), (
                    f"{method} {url} ({rule.endpoint}) answered {response.status_code}"
                )
                if method == "GET":
                    checked.append(rule.endpoint)
    assert "cdr.case" in checked and "reviews.incident" in checked
