"""Meeting invitations by e-mail, received by a real SMTP server on loopback: a rapid response
meeting scheduled, moved and cancelled through the web forms, and a CDOP meeting."""

from datetime import date, timedelta

import pytest
from icalendar import Calendar

from cdr.models import ChildIdentity, RapidResponseMeeting
from tests.cdr.factories import make_case
from tests.conftest import Page
from tests.factories import make_user
from tracker import mail
from tracker.audit import AuditEvent
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.roles import Role
from tracker.timeutil import utcnow

DIED = date(2025, 3, 3)  # a Monday: the first meeting's window is 4 to 8 March
TODAY = DIED + timedelta(days=1)
SUDDEN = "jar_sudden_unexplained"
ATTENDEE_NAME = "Sister Jane Attendeename"


@pytest.fixture(autouse=True)
def today(clock):
    """The pages think it is the day after the death."""
    clock.set(TODAY)


@pytest.fixture
def people(partnership, other_partnership, doctor_client, cdop_client):
    """The case's owner (the CDOP administrator), its doctor, a colleague, and outsiders."""
    return {
        "owner": cdop_client.user,
        "doctor": doctor_client.user,
        "colleague": make_user(Role.CDOP_ADMIN, [partnership], email="colleague@example.org"),
        "panel": make_user(Role.PANEL_MEMBER, [partnership], email="panel@example.org"),
        "outsider": make_user(Role.CDOP_ADMIN, [other_partnership],
                              email="outsider@example.org"),
        "inactive": make_user(Role.CDOP_ADMIN, [partnership], email="gone@example.org",
                              active=False),
    }


@pytest.fixture
def case(call, cdop_client, partnership, people):
    """A case needing a Joint Agency Response, owned by the CDOP administrator."""
    case = make_case(partnership, date_of_death=DIED, owner_id=people["owner"].id,
                     designated_doctor_id=people["doctor"].id)
    call(cdop_client, "cdr.joint_agency_response", status=302, case_id=case.id,
         data={"criteria": [SUDDEN], "version": _version(case)})
    return case


def _version(case):
    db.session.refresh(case)
    return case.version


def _schedule(call, client, case, day, **fields):
    data = {"meeting_on": [str(day.day), str(day.month), str(day.year)],
            "version": _version(case), **fields}
    return call(client, "cdr.meeting", status=302, data=data, case_id=case.id, number=1)


ATTENDEES = (f"{ATTENDEE_NAME}, ward sister\ncolleague@example.org (CDOP)\n"
             "panel@example.org\nOutsider <outsider@example.org>\ngone@example.org")


def _deliver(smtp_server):
    """Send what is queued and return what arrived since the last call."""
    smtp_server.clear()
    mail.send_due(utcnow() + timedelta(minutes=1))
    return list(smtp_server.messages)


def _ics(message):
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    calendar = Calendar.from_ical(attachment.get_content())
    return calendar, calendar.walk("VEVENT")[0]


def _attendees(event):
    values = event.get("ATTENDEE")
    values = values if isinstance(values, list) else [values]
    return sorted(str(value).removeprefix("mailto:") for value in values)


def _identity(case):
    return db.session.scalar(db.select(ChildIdentity).where(ChildIdentity.case_id == case.id))


def _text_of(content):
    return content.decode() if isinstance(content, bytes) else content


def _assert_nothing_identifying(case, message):
    raw = message.as_bytes().decode("utf-8", "replace")
    parts = [raw] + [_text_of(part.get_content()) for part in message.walk()
                     if not part.is_multipart()]
    text = "\n".join(parts).replace("\r\n ", "").lower()
    identity = _identity(case)
    dob = identity.date_of_birth
    for secret in (identity.given_names, identity.family_name, identity.nhs_number,
                   "999 000", identity.postcode, "Imaginary Lane", dob.isoformat(),
                   dob.strftime("%Y%m%d"), "26 January 2024", "Attendeename",
                   "Notes the e-mail", "Dr Chair"):
        assert secret.lower() not in text, secret


def test_scheduling_a_meeting_emails_the_invitation_to_the_attendees_with_accounts(
        call, cdop_client, case, people, smtp_server):
    _schedule(call, cdop_client, case, date(2025, 3, 5), starts_at="14:30",
              place_or_link="Northtown Hospital, seminar room 2", chair="Dr Chair",
              attendees=ATTENDEES, notes="Notes the e-mail must not carry")

    messages = _deliver(smtp_server)

    expected = sorted([people["owner"].email, people["doctor"].email, "colleague@example.org"])
    assert sorted(str(m["To"]) for m in messages) == expected
    assert sorted(address for rcpt in smtp_server.envelopes for address in rcpt) == expected
    message = smtp_server.to("colleague@example.org")[0]
    assert message["Subject"] == (f"Invitation: First rapid response meeting, {case.reference}, "
                                  "Wednesday 5 March 2025 at 14:30")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert case.reference in body
        assert "Wednesday 5 March 2025 at 14:30" in body
        assert "Northtown Hospital, seminar room 2" in body
        assert f"/child-deaths/{case.id}" in body
    calendar, event = _ics(message)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == f"cdr-case-{case.id}-rr-meeting-1@127.0.0.1"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert _attendees(event) == expected
    assert str(event["ORGANIZER"]) == "mailto:tracker@localhost"
    assert str(event["LOCATION"]) == "Northtown Hospital, seminar room 2"
    for received in messages:
        _assert_nothing_identifying(case, received)


def test_the_downloaded_invitation_has_the_same_uid_and_sequence(
        call, cdop_client, case, smtp_server):
    _schedule(call, cdop_client, case, date(2025, 3, 5))
    [message, *_] = _deliver(smtp_server)

    download = cdop_client.get(f"/child-deaths/{case.id}/meetings/1.ics")

    event = Calendar.from_ical(download.data).walk("VEVENT")[0]
    assert event["UID"] == _ics(message)[1]["UID"]
    assert event["SEQUENCE"] == _ics(message)[1]["SEQUENCE"]


def test_moving_the_meeting_sends_an_update_with_the_same_uid_and_the_next_sequence(
        call, cdop_client, case, people, smtp_server):
    _schedule(call, cdop_client, case, date(2025, 3, 5), starts_at="14:30",
              attendees=ATTENDEES)
    first = _ics(_deliver(smtp_server)[0])[1]

    _schedule(call, cdop_client, case, date(2025, 3, 6), starts_at="10:00",
              attendees=ATTENDEES)
    messages = _deliver(smtp_server)

    assert len(messages) == 3
    message = smtp_server.to(people["doctor"].email)[0]
    assert message["Subject"].startswith("Updated invitation: First rapid response meeting")
    assert "Thursday 6 March 2025 at 10:00" in message["Subject"]
    calendar, event = _ics(message)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert event["UID"] == first["UID"]
    assert int(event["SEQUENCE"]) == int(first["SEQUENCE"]) + 1
    assert "has changed" in message.get_body(("plain",)).get_content()


def test_a_new_place_or_time_is_a_move_too(call, cdop_client, case, smtp_server):
    _schedule(call, cdop_client, case, date(2025, 3, 5), place_or_link="Room 1")
    _deliver(smtp_server)

    _schedule(call, cdop_client, case, date(2025, 3, 5), place_or_link="Room 2")

    [message, *_] = _deliver(smtp_server)
    assert int(_ics(message)[1]["SEQUENCE"]) == 1
    assert str(_ics(message)[1]["LOCATION"]) == "Room 2"


def test_a_change_to_the_notes_sends_nothing_and_an_added_colleague_is_invited(
        call, cdop_client, case, people, smtp_server):
    _schedule(call, cdop_client, case, date(2025, 3, 5))
    assert len(_deliver(smtp_server)) == 2  # the owner and the doctor

    _schedule(call, cdop_client, case, date(2025, 3, 5), notes="Agenda agreed")
    assert _deliver(smtp_server) == []

    _schedule(call, cdop_client, case, date(2025, 3, 5), attendees="colleague@example.org")
    [message] = _deliver(smtp_server)
    assert message["To"] == "colleague@example.org"
    assert int(_ics(message)[1]["SEQUENCE"]) == 0


def test_a_colleague_taken_out_of_the_attendees_gets_a_cancellation(
        call, cdop_client, case, people, smtp_server):
    _schedule(call, cdop_client, case, date(2025, 3, 5), attendees="colleague@example.org")
    first = _ics(_deliver(smtp_server)[0])[1]

    _schedule(call, cdop_client, case, date(2025, 3, 5), attendees="Nobody with an account")

    [message] = _deliver(smtp_server)
    assert message["To"] == "colleague@example.org"
    calendar, event = _ics(message)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert event["UID"] == first["UID"]
    assert _attendees(event) == ["colleague@example.org"]


def test_a_new_designated_doctor_is_invited_and_the_one_replaced_gets_a_cancellation(
        call, cdop_client, case, people, partnership, smtp_server):
    _schedule(call, cdop_client, case, date(2025, 3, 5))
    first = _ics(_deliver(smtp_server)[0])[1]
    new_doctor = make_user(Role.DESIGNATED_DOCTOR, [partnership], email="new.doc@example.org")

    call(cdop_client, "cdr.designated_doctor", status=302, case_id=case.id,
         data={"doctor": str(new_doctor.id), "version": _version(case)})

    messages = {str(m["To"]): m for m in _deliver(smtp_server)}
    assert set(messages) == {"new.doc@example.org", people["doctor"].email}
    invited = _ics(messages["new.doc@example.org"])
    cancelled = _ics(messages[people["doctor"].email])
    assert [str(invited[0]["METHOD"]), str(cancelled[0]["METHOD"])] == ["REQUEST", "CANCEL"]
    assert invited[1]["UID"] == cancelled[1]["UID"] == first["UID"]


def test_recording_the_meeting_as_held_sends_nothing(call, cdop_client, case, smtp_server,
                                                     clock, days_pass):
    _schedule(call, cdop_client, case, date(2025, 3, 5))
    _deliver(smtp_server)
    clock.set(date(2025, 3, 6))

    _schedule(call, cdop_client, case, date(2025, 3, 5), held="y")

    assert _deliver(smtp_server) == []


# --- Cancelling ----------------------------------------------------------------------------


def _cancel(call, client, case, reason, status=302):
    return call(client, "cdr.cancel_meeting", status=status, case_id=case.id, number=1,
                data={"reason": reason, "version": _version(case)})


def _meeting_deadline(case):
    return db.session.scalar(db.select(Deadline).where(
        Deadline.owner_type == "cdr_case", Deadline.owner_id == case.id,
        Deadline.rule_key == "rr_meeting_1"))


def test_cancelling_sends_a_cancellation_and_the_case_shows_the_meeting_not_scheduled(
        call, cdop_client, case, people, smtp_server):
    _schedule(call, cdop_client, case, date(2025, 3, 5), attendees=ATTENDEES)
    first = _ics(_deliver(smtp_server)[0])[1]
    meeting_page = call(cdop_client, "cdr.meeting", case_id=case.id, number=1)
    confirm = call(cdop_client, "cdr.cancel_meeting", case_id=case.id, number=1)
    assert meeting_page.html.select_one("#cancel-meeting")["href"] == (
        f"/child-deaths/{case.id}/meetings/1/cancel")
    assert "5 March 2025" in confirm.text("#cancel-what")

    _cancel(call, cdop_client, case, "The family asked for another date")
    messages = _deliver(smtp_server)

    assert len(messages) == 3
    message = smtp_server.to("colleague@example.org")[0]
    assert message["Subject"] == (f"Cancelled: First rapid response meeting, {case.reference}, "
                                  "Wednesday 5 March 2025")
    calendar, event = _ics(message)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["UID"] == first["UID"]
    assert int(event["SEQUENCE"]) == int(first["SEQUENCE"]) + 1
    assert "family asked" not in message.as_string()  # the reason stays in the tracker
    for received in messages:
        _assert_nothing_identifying(case, received)
    case_page = call(cdop_client, "cdr.case", case_id=case.id)
    assert "Not scheduled" in case_page.text("#meeting-1")
    assert ("First rapid response meeting of 5 March 2025 cancelled. Reason: The family asked "
            "for another date") in case_page.text()
    assert _meeting_deadline(case).met_on is None
    assert db.session.scalar(db.select(AuditEvent).where(
        AuditEvent.detail.like("Cancelled the first rapid response meeting%")))


def test_a_meeting_scheduled_again_after_a_cancellation_has_a_higher_sequence(
        call, cdop_client, case, smtp_server):
    _schedule(call, cdop_client, case, date(2025, 3, 5))
    _schedule(call, cdop_client, case, date(2025, 3, 6))
    _cancel(call, cdop_client, case, "Clash")
    cancelled = _ics(_deliver(smtp_server)[-1])[1]
    assert int(cancelled["SEQUENCE"]) == 2

    _schedule(call, cdop_client, case, date(2025, 3, 7))

    [message, *_] = _deliver(smtp_server)
    event = _ics(message)[1]
    assert event["UID"] == cancelled["UID"]
    assert int(event["SEQUENCE"]) > int(cancelled["SEQUENCE"])


def test_cancelling_needs_a_reason_and_sends_nothing_without_one(
        call, cdop_client, case, smtp_server):
    _schedule(call, cdop_client, case, date(2025, 3, 5))
    _deliver(smtp_server)

    refused = _cancel(call, cdop_client, case, "   ", status=400)

    assert refused.errors == ["Enter why the meeting is cancelled"]
    assert _deliver(smtp_server) == []
    assert db.session.scalar(db.select(RapidResponseMeeting)) is not None


def test_a_held_meeting_cannot_be_cancelled(call, cdop_client, case, smtp_server,
                                            clock, days_pass):
    clock.set(date(2025, 3, 6))
    _schedule(call, cdop_client, case, date(2025, 3, 5), held="y")

    refused = _cancel(call, cdop_client, case, "Changed our minds", status=400)

    assert refused.errors[0].startswith("This meeting is recorded as held")
    assert _meeting_deadline(case).met_on == date(2025, 3, 5)
    assert _deliver(smtp_server) == []
    page = call(cdop_client, "cdr.meeting", case_id=case.id, number=1)
    assert page.html.select_one("#cancel-meeting") is None


def test_a_stale_cancellation_is_refused(call, cdop_client, doctor_client, case, smtp_server):
    _schedule(call, cdop_client, case, date(2025, 3, 5))
    _deliver(smtp_server)
    opened_at = _version(case)
    _schedule(call, doctor_client, case, date(2025, 3, 6))
    _deliver(smtp_server)

    refused = _cancel_at(call, cdop_client, case, opened_at)

    assert refused.status == 409
    assert refused.errors[0].startswith(f"{doctor_client.user.full_name} changed this case")
    assert _deliver(smtp_server) == []


def _cancel_at(call, client, case, version):
    return call(client, "cdr.cancel_meeting", status=409, case_id=case.id, number=1,
                data={"reason": "Clash", "version": version})


def test_only_editors_cancel_and_no_meeting_is_not_found(call, cdop_client, auditor_client,
                                                        case, smtp_server):
    call(cdop_client, "cdr.cancel_meeting", status=404, case_id=case.id, number=1)
    _schedule(call, cdop_client, case, date(2025, 3, 5))
    call(auditor_client, "cdr.cancel_meeting", status=403, case_id=case.id, number=1)
    call(cdop_client, "cdr.cancel_meeting", status=404, case_id=case.id, number=4)
    response = cdop_client.post(f"/child-deaths/{case.id}/meetings/1/cancel",
                                data={"reason": "No token", "version": _version(case)})
    assert response.status_code == 400
    assert db.session.scalar(db.select(RapidResponseMeeting)) is not None


# --- CDOP meetings ---------------------------------------------------------------------


def test_scheduling_a_panel_meeting_invites_the_panel(call, cdop_client, partnership, people,
                                                     smtp_server):
    business = make_user(Role.BUSINESS_UNIT, [partnership], email="bu@example.org")
    auditor = make_user(Role.AUDITOR, [partnership], email="auditor@example.org")

    response = call(cdop_client, "cdr.new_panel_meeting", status=302, data={
        "partnership": str(partnership.id), "meeting_on": ["12", "3", "2025"],
        "starts_at": "10:00", "place_or_link": "Council offices, room 4"})
    messages = _deliver(smtp_server)

    expected = sorted([people["owner"].email, people["doctor"].email, "colleague@example.org",
                       "panel@example.org"])
    assert sorted(str(m["To"]) for m in messages) == expected
    assert business.email not in expected and auditor.email not in expected
    message = smtp_server.to("panel@example.org")[0]
    assert message["Subject"] == ("Invitation: CDOP meeting, Wednesday 12 March 2025 "
                                  "at 10:00")
    calendar, event = _ics(message)
    meeting_id = int(response.response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == f"cdr-panel-meeting-{meeting_id}@127.0.0.1"
    assert _attendees(event) == expected
    assert "Council offices, room 4" in message.get_body(("html",)).get_content()
    assert f"/panel-meetings/{meeting_id}" in message.get_body(("plain",)).get_content()


def test_pages_say_how_many_were_invited(call, cdop_client, case, smtp_server):
    response = cdop_client.post(
        f"/child-deaths/{case.id}/meetings/1", follow_redirects=True,
        data={"meeting_on": ["5", "3", "2025"], "version": _version(case),
              "csrf_token": _token(cdop_client, case)})
    assert "Calendar e-mail sent to 2 people." in Page(response).text()


def _token(client, case):
    from tests.conftest import csrf_token_from
    return csrf_token_from(client.get(f"/child-deaths/{case.id}/meetings/1").get_data(
        as_text=True))
