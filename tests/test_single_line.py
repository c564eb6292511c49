"""Single-line text: one field type refuses control characters on every form that stores
one line, and text already stored with a line break never stops an e-mail or a calendar."""

import importlib
import inspect
import pkgutil
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from icalendar import Calendar
from wtforms import Form, StringField
from wtforms.fields.core import UnboundField

import forms
from cdr.models import AgencyRequest, ChildDeathCase, RapidResponseMeeting
from tests.cdr.factories import make_case
from tests.factories import make_user
from tracker import deadline_service, mail
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.mail import OutboundEmail
from tracker.reminders.passes import run_pass
from tracker.roles import Role
from tracker.text import file_name, has_control, one_line

# Plain text boxes that store nothing as typed (filters, searches) or store a value parsed
# into another type (a time, an amount, an NHS number, a postcode).
NOT_STORED_AS_TYPED = {
    ("forms.audit", "AuditFilterForm", "record_id"),
    ("forms.auth", "CodeForm", "code"),  # a one-time code, checked, never stored
    ("forms.auth", "RecoveryCodeForm", "code"),  # compared with a stored hash
    ("forms.audit", "AuditFilterForm", "record_text"),
    ("forms.cdr.cases", "CaseFilterForm", "q"),
    ("forms.cdr.meetings", "MeetingForm", "starts_at"),
    ("forms.cdr.case_details", "CaseDetailsForm", "nhs_number"),
    ("forms.cdr.case_details", "CaseDetailsForm", "postcode"),
    ("forms.cdr.case_details", "CaseDetailsForm", "time_of_death"),
    ("forms.cdr.case_details", "CaseDetailsForm", "fatal_event_time"),
    ("forms.cdr.notification", "NotificationForm", "nhs_number"),
    ("forms.cdr.notification", "NotificationForm", "postcode"),
    ("forms.cdr.notification", "NotificationForm", "time_of_death"),
    ("forms.cdr.notification", "NotificationForm", "fatal_event_time"),
    ("forms.cdr.public_notification", "PublicNotificationForm", "nhs_number"),
    ("forms.cdr.public_notification", "PublicNotificationForm", "postcode"),
    ("forms.cdr.public_notification", "PublicNotificationForm", "time_of_death"),
    ("forms.cdr.public_notification", "PublicNotificationForm", "fatal_event_time"),
    ("forms.cdr.panel", "PanelMeetingForm", "starts_at"),
    ("forms.partnerships", "RuleOverrideForm", "amount"),
    ("forms.partnerships", "RuleOverrideForm", "earliest_amount"),
    ("forms.reviews.tracker", "TrackerFilterForm", "reviewer"),
    ("forms.retention", "RetentionYearsForm", "years"),  # a whole number of years
}


def _plain_text_boxes():
    for info in pkgutil.walk_packages(forms.__path__, "forms."):
        module = importlib.import_module(info.name)
        for name, form in inspect.getmembers(module, inspect.isclass):
            if form.__module__ != module.__name__ or not issubclass(form, Form):
                continue
            for attribute in dir(form):
                field = getattr(form, attribute, None)
                if isinstance(field, UnboundField) and field.field_class is StringField:
                    yield module.__name__, name, attribute


def test_every_stored_one_line_text_box_is_a_single_line_field():
    """A new form that stores text typed in a plain StringField fails here: use
    forms.fields.SingleLineField (or a TextAreaField for more than one line)."""
    assert set(_plain_text_boxes()) <= NOT_STORED_AS_TYPED


@pytest.mark.parametrize("text", ["North\nshire", "North\rshire", "North\tshire",
                                  "North\x0bshire", "North\x85shire", "North\u2028shire",
                                  "North\u202eshire", "North\ufeffshire", "North\x1bshire"])
def test_control_characters_are_refused(text):
    assert has_control(text)
    assert one_line(text) == "North shire"


def test_joiners_that_names_need_are_allowed():
    assert not has_control("Mehr\u200cnaz") and not has_control("Anne-Marie O'Neill")
    assert file_name("CDOP-NSP-2025-0042/A\r\n-meeting-1.ics") == (
        "CDOP-NSP-2025-0042-A-meeting-1.ics")


@pytest.mark.parametrize("agency", ["Police\nNorthshire", "Police\tNorthshire",
                                    "Police\u2029Northshire"])
def test_an_agency_with_a_line_break_is_refused_on_the_form(cdop_client, partnership, call,
                                                            agency):
    case = make_case(partnership)
    page = call(cdop_client, "cdr.new_request", case_id=case.id, status=400, data={
        "agency": agency, "sent_on": ["2", "3", "2025"], "version": case.version})
    assert page.errors == ["Agency must be on one line, without line breaks, tabs or other "
                           "control characters"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgencyRequest)) == 0


def test_a_reminder_about_an_agency_stored_with_a_line_break_is_sent(partnership,
                                                                     smtp_server):
    """Written straight into the database (an old import, a script): the reminder e-mail
    about it is sent, its subject on one line, and nothing is smuggled into its headers."""
    admin = make_user(Role.CDOP_ADMIN, [partnership], reminder_email="immediate")
    case = make_case(partnership, owner_id=admin.id)
    request = AgencyRequest(case_id=case.id, partnership_id=partnership.id, agency="Police",
                            sent_on=date(2026, 11, 2))
    db.session.add(request)
    db.session.flush()
    deadline_service.sync_case(request)
    db.session.execute(sa.update(AgencyRequest).where(AgencyRequest.id == request.id)
                       .values(agency="Police\r\nBcc: someone@example.net"))
    db.session.commit()
    due = db.session.scalar(sa.select(Deadline.due_date).where(
        Deadline.owner_type == AgencyRequest.__tablename__, Deadline.owner_id == request.id))

    report = run_pass(due, datetime(due.year, due.month, due.day, 8, 0))

    assert report.sent >= 1 and report.failed == 0
    subjects = [str(message["Subject"]) for message in smtp_server.messages]
    assert any("Information requested from Police Bcc: someone@example.net" in subject
               for subject in subjects), subjects
    assert all(message["Bcc"] is None for message in smtp_server.messages)
    assert all(envelope == [admin.email] for envelope in smtp_server.envelopes)


def test_an_email_queued_with_a_line_break_in_its_subject_is_still_sent(app, smtp_server):
    with app.test_request_context():
        row = mail.queue(kind="reminder", to_address="someone@example.org",
                         subject="Overdue: X", text_body="Text", html_body="<p>Text</p>")
    db.session.flush()
    # As a row queued before subjects were folded would be.
    db.session.execute(sa.update(OutboundEmail).where(OutboundEmail.id == row.id)
                       .values(subject="Overdue: School\nNorth"))
    db.session.commit()

    assert mail.send_due() == (1, 0)
    message, = smtp_server.messages
    assert message["Subject"] == "Overdue: School North"


def test_the_ics_of_a_case_whose_reference_holds_a_line_break_downloads(cdop_client,
                                                                        partnership):
    case = make_case(partnership, jar_required=True)
    db.session.add(RapidResponseMeeting(case_id=case.id, partnership_id=partnership.id,
                                        number=1, meeting_on=date(2025, 3, 5),
                                        place_or_link="Room 2\nNorthtown Hospital"))
    db.session.execute(sa.update(ChildDeathCase).where(ChildDeathCase.id == case.id)
                       .values(reference="CDOP-NSP-2025-0042\r\n/A"))
    db.session.commit()

    response = cdop_client.get(f"/child-deaths/{case.id}/meetings/1.ics")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="CDOP-NSP-2025-0042-A-rapid-response-meeting-1.ics"')
    event = Calendar.from_ical(response.data).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Rapid response meeting 1: CDOP-NSP-2025-0042 /A"
    assert str(event["LOCATION"]) == "Room 2 Northtown Hospital"
