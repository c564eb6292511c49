"""Reminder passes: who is reminded of what, once, on working days, from the database."""

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from cdr.models import CaseAction
from tests.cdr.factories import make_case
from tests.factories import make_user
from tests.reviews.factories import make_incident
from tracker import deadline_service
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.mail import OutboundEmail
from tracker.models import ClosureDay
from tracker.reminders.models import Reminder, ReminderPolicy
from tracker.reminders.passes import run_pass
from tracker.roles import Role


def at(day, hour=8):
    """A UTC time on `day`: London is on GMT in December, so 8 is after the digest hour
    and before the due-today hour (12)."""
    return datetime(day.year, day.month, day.day, hour, 0)


def run(day, hour=8, **kwargs):
    return run_pass(day, at(day, hour), send=False, **kwargs)


def reminders(**where):
    query = sa.select(Reminder).order_by(Reminder.fire_date, Reminder.id)
    for name, value in where.items():
        query = query.where(getattr(Reminder, name) == value)
    return db.session.scalars(query).all()


@pytest.fixture
def owner(partnership):
    return make_user(Role.BUSINESS_UNIT, [partnership], email="owner@example.org")


@pytest.fixture
def manager(partnership):
    return make_user(Role.BUSINESS_UNIT, [partnership], email="manager@example.org",
                     receives_escalations=True)


@pytest.fixture
def incident(partnership, owner):
    # Aware Monday 7 December 2026: the Panel must be told by Monday 14 December.
    return make_incident(partnership, la_aware_on=date(2026, 12, 7),
                         incident_date=date(2026, 12, 5), owner_id=owner.id)


def december(start=1, end=31):
    return [date(2026, 12, d) for d in range(start, end + 1)]


def test_a_month_of_daily_passes_reminds_the_owner_once_per_stage(incident, owner, manager):
    for day in december():
        run(day)
    mine = [(r.stage, r.fire_date) for r in reminders(recipient_id=owner.id,
                                                       policy_key="panel_notification")]
    assert mine == [
        ("before", date(2026, 12, 10)), ("due", date(2026, 12, 14)),
        ("overdue", date(2026, 12, 15)), ("overdue", date(2026, 12, 16)),
        ("overdue", date(2026, 12, 17)), ("overdue", date(2026, 12, 18)),
        ("overdue", date(2026, 12, 21)), ("overdue", date(2026, 12, 30)),
    ]
    escalated = reminders(recipient_id=manager.id, policy_key="panel_notification")
    assert [(r.stage, r.fire_date) for r in escalated] == [("escalation", date(2026, 12, 21))]
    assert escalated[0].reference == incident.reference
    assert escalated[0].link == f"/practice-reviews/{incident.id}"


def test_a_second_pass_on_the_same_day_claims_nothing(incident, owner):
    first = run(date(2026, 12, 14))
    second = run(date(2026, 12, 14))
    assert len(first.claimed) == 2  # the Panel and the partners, both due today
    assert second.claimed == []
    assert db.session.scalar(sa.select(sa.func.count(OutboundEmail.id))) == 1


def test_after_downtime_what_was_missed_comes_once_in_one_digest(incident, owner):
    run(date(2026, 12, 9))
    report = run(date(2026, 12, 17))  # the scheduler was down on the 10th to the 16th
    assert sorted((line["stage"], line["reference"]) for line in report.claimed) == [
        ("overdue", incident.reference), ("overdue", incident.reference)]
    emails = db.session.scalars(sa.select(OutboundEmail)).all()
    assert len(emails) == 1
    assert emails[0].subject == "Reminders: 2 overdue"


def test_met_not_applicable_and_paused_deadlines_remind_nobody(incident, owner):
    rows = db.session.scalars(sa.select(Deadline).where(
        Deadline.owner_id == incident.id, Deadline.owner_type == "serious_incident")).all()
    for row in rows:
        if row.rule_key == "panel_notification":
            row.met_on = date(2026, 12, 8)
        else:
            row.paused_reason = "Waiting for the police"
    db.session.commit()
    for day in december(8, 18):
        run(day)
    assert reminders() == []


def test_an_unowned_case_reminds_the_partnership_managers(partnership, manager):
    make_incident(partnership, la_aware_on=date(2026, 12, 7), incident_date=date(2026, 12, 5))
    run(date(2026, 12, 10))
    assert {(r.recipient_id, r.stage) for r in reminders()} == {(manager.id, "before")}


def test_with_no_owner_and_no_manager_the_team_is_reminded(partnership, other_partnership):
    team = make_user(Role.BUSINESS_UNIT, [partnership])
    make_user(Role.AUDITOR, [partnership])  # may see, but is not the team
    make_user(Role.BUSINESS_UNIT, [other_partnership])
    make_incident(partnership, la_aware_on=date(2026, 12, 7), incident_date=date(2026, 12, 5))
    run(date(2026, 12, 10))
    assert {r.recipient_id for r in reminders()} == {team.id}


def test_one_digest_a_day_and_later_reminders_wait_for_the_next(partnership, incident, owner):
    run(date(2026, 12, 10), hour=8)  # the day's digest: "Due soon" for both deadlines
    # A written request due soon is recorded later that morning.
    from reviews.models import ReviewRequest

    db.session.add(ReviewRequest(incident_id=incident.id, partnership_id=partnership.id,
                                 agency="School", sent_on=date(2026, 12, 1),
                                 due_on=date(2026, 12, 14)))
    db.session.commit()
    later = run(date(2026, 12, 10), hour=9)
    assert [line["email"] for line in later.claimed] == ["next digest"]  # a notice at once
    digests = db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id)).all()
    assert len(digests) == 1
    run(date(2026, 12, 11), hour=8)
    digests = db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id)).all()
    assert len(digests) == 2
    assert "School" in digests[1].text_body  # the waiting reminder came in the next digest
    assert all(r.email_id for r in reminders())


def test_nobody_outside_the_partnership_or_without_the_permission(
        partnership, other_partnership, incident, owner):
    make_user(Role.BUSINESS_UNIT, [other_partnership], receives_escalations=True)
    make_user(Role.PANEL_MEMBER, [partnership], receives_escalations=True)
    for day in december(7, 22):
        run(day)
    assert {r.recipient_id for r in reminders()} == {owner.id}


def test_the_designated_doctor_gets_the_meetings_they_chair(partnership):
    admin = make_user(Role.CDOP_ADMIN, [partnership])
    doctor = make_user(Role.DESIGNATED_DOCTOR, [partnership])
    case = make_case(partnership, date_of_death=date(2026, 12, 3),
                     notification_received_on=date(2026, 12, 3), jar_required=True,
                     death_registered_on=date(2026, 12, 4), owner_id=admin.id,
                     designated_doctor_id=doctor.id)
    for day in december(3, 18):
        run(day)
    doctors = {r.policy_key for r in reminders(recipient_id=doctor.id)}
    admins = {r.policy_key for r in reminders(recipient_id=admin.id)}
    assert doctors == {"rr_meeting_1", "rr_meeting_2"}
    assert {"rr_meeting_1", "rr_meeting_2", "registrar_notification"} <= admins
    assert all(r.reference == case.reference for r in reminders())


def test_an_action_reminds_its_account_else_the_case_owner(partnership):
    admin = make_user(Role.CDOP_ADMIN, [partnership])
    doctor = make_user(Role.DESIGNATED_DOCTOR, [partnership])
    case = make_case(partnership, owner_id=admin.id, closed_on=date(2026, 11, 1))
    db.session.add_all([
        CaseAction(case_id=case.id, partnership_id=partnership.id, description="Write a leaflet",
                   owner="Public health", due_on=date(2026, 12, 14), owner_user_id=doctor.id),
        CaseAction(case_id=case.id, partnership_id=partnership.id, description="Train staff",
                   owner="Hospital", due_on=date(2026, 12, 14)),
        CaseAction(case_id=case.id, partnership_id=partnership.id, description="Done",
                   owner="Hospital", due_on=date(2026, 12, 14), completed_on=date(2026, 12, 1)),
    ])
    db.session.commit()
    run(date(2026, 12, 14))
    got = sorted((r.recipient_id, r.subject_type, r.stage) for r in reminders(
        subject_type="cdr_action"))
    assert got == sorted([(doctor.id, "cdr_action", "due"), (admin.id, "cdr_action", "due")])
    assert {r.step for r in reminders(subject_type="cdr_action")} == {
        "Action agreed at the CDOP panel review"}


def test_a_statutory_date_on_a_closure_day_reminds_on_the_open_day_before_it(
        partnership, incident, owner):
    db.session.add(ClosureDay(partnership_id=partnership.id, day=date(2026, 12, 14),
                              description="Office move"))
    db.session.commit()
    # A closure day never moves the Panel's date: it stays Monday the 14th. Its due-date
    # reminder goes on the last open day before, Friday the 11th, as "Due soon", so nobody
    # learns of it after it has passed; the closure day itself sends nothing.
    assert {line["due_date"] for line in run(date(2026, 12, 11)).claimed} == {date(2026, 12, 14)}
    # The Panel's and the partners' notification, both due on the 14th.
    assert [(r.stage, r.fire_date) for r in reminders(recipient_id=owner.id)] == [
        ("before", date(2026, 12, 11)), ("before", date(2026, 12, 11))]
    assert run(date(2026, 12, 14)).claimed == []
    claimed = run(date(2026, 12, 15)).claimed
    assert claimed and {line["stage"] for line in claimed} <= {"overdue", "escalation"}
    assert not reminders(stage="due")


def test_a_partnership_policy_changes_the_stages(partnership, incident, owner):
    db.session.add(ReminderPolicy(partnership_id=partnership.id, policy_key="panel_notification",
                                  before_working_days=4, on_due=False, overdue_daily_days=1,
                                  overdue_weekly=False, escalate_after=None))
    db.session.commit()
    for day in december(7, 31):
        run(day)
    mine = [(r.stage, r.fire_date) for r in reminders(policy_key="panel_notification")]
    assert mine == [("before", date(2026, 12, 8)), ("overdue", date(2026, 12, 15))]


def test_digest_immediate_and_paused(partnership, incident, owner):
    other = make_user(Role.BUSINESS_UNIT, [partnership], reminder_email="immediate",
                      receives_escalations=True)
    away = make_user(Role.BUSINESS_UNIT, [partnership], receives_escalations=True,
                     email_paused_until=date(2026, 12, 31))
    run(date(2026, 12, 21))  # overdue for the owner, escalated to the two managers
    emails = db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id)).all()
    by_address = {}
    for email in emails:
        by_address.setdefault(email.to_address, []).append(email)
    assert len(by_address[owner.email]) == 1  # one digest with both deadlines
    assert len(by_address[other.email]) == 2  # one e-mail per reminder
    assert away.email not in by_address  # on leave: no e-mail …
    notices = reminders(recipient_id=away.id)
    assert len(notices) == 2 and all(n.email_skipped == "paused" for n in notices)  # … notices


def test_due_today_and_still_open_at_the_hour_sends_an_immediate_email(incident, owner):
    run(date(2026, 12, 14), hour=8)
    assert [e.kind for e in db.session.scalars(sa.select(OutboundEmail))] == ["digest"]
    run(date(2026, 12, 14), hour=12)  # 12:00 UTC is 12:00 in London in December
    kinds = sorted(e.kind for e in db.session.scalars(sa.select(OutboundEmail)))
    assert kinds == ["digest", "reminder", "reminder"]
    assert {r.stage for r in reminders(fire_date=date(2026, 12, 14))} == {"due", "due_now"}


def test_a_first_pass_after_the_hour_sends_the_digest_only(incident, owner):
    run(date(2026, 12, 14), hour=13)  # late start: "Due today" goes in the digest …
    assert [e.kind for e in db.session.scalars(sa.select(OutboundEmail))] == ["digest"]
    assert {r.stage for r in reminders()} == {"due"}  # … and no "still open" e-mail with it


def test_no_due_today_email_where_the_policy_does_not_remind_on_the_day(
        partnership, incident, owner):
    db.session.add(ReminderPolicy(partnership_id=partnership.id, policy_key="panel_notification",
                                  before_working_days=2, on_due=False, overdue_daily_days=5,
                                  overdue_weekly=True, escalate_after=5))
    db.session.commit()
    run(date(2026, 12, 14), hour=8)
    run(date(2026, 12, 14), hour=12)
    assert {r.policy_key for r in reminders(stage="due_now")} == {"partners_notification"}


def test_a_dry_run_records_nothing(incident, owner):
    report = run(date(2026, 12, 14), dry_run=True)
    assert len(report.claimed) == 2
    assert reminders() == []
    assert db.session.scalar(sa.select(sa.func.count(OutboundEmail.id))) == 0


def test_emails_never_hold_identifying_details(partnership):
    admin = make_user(Role.CDOP_ADMIN, [partnership])
    make_case(partnership, date_of_death=date(2026, 12, 3), jar_required=True,
              notification_received_on=date(2026, 12, 3), owner_id=admin.id)
    for day in december(3, 18):
        run(day)
    emails = db.session.scalars(sa.select(OutboundEmail)).all()
    assert emails
    for email in emails:
        text = " ".join([email.subject, email.text_body, email.html_body])
        for forbidden in ("Testchild", "Invented", "999000", "ZZ99", "Imaginary", "2024"):
            assert forbidden not in text



def test_an_agency_request_reminds_the_case_owner_naming_the_agency(partnership):
    from cdr.models import AgencyRequest
    from tracker import deadline_service

    admin = make_user(Role.CDOP_ADMIN, [partnership])
    case = make_case(partnership, owner_id=admin.id)
    request = AgencyRequest(case_id=case.id, partnership_id=partnership.id, agency="Police",
                            sent_on=date(2026, 11, 2))
    db.session.add(request)
    db.session.flush()
    deadline_service.sync_case(request)
    db.session.commit()
    due = db.session.scalar(sa.select(Deadline.due_date).where(
        Deadline.owner_type == AgencyRequest.__tablename__, Deadline.owner_id == request.id))
    run(due)
    got = reminders(recipient_id=admin.id, policy_key="agency_information_request")
    assert [(r.stage, r.step, r.link) for r in got] == [
        ("due", "Information requested from Police", f"/child-deaths/{case.id}")]


def test_a_written_request_of_a_local_review_reminds_the_incident_owner(incident, owner):
    from reviews.models import ReviewRequest

    db.session.add_all([
        ReviewRequest(incident_id=incident.id, partnership_id=incident.partnership_id,
                      agency="School", sent_on=date(2026, 12, 1), due_on=date(2026, 12, 9)),
        ReviewRequest(incident_id=incident.id, partnership_id=incident.partnership_id,
                      agency="GP", sent_on=date(2026, 12, 1), due_on=date(2026, 12, 9),
                      answered_on=date(2026, 12, 8)),
    ])
    db.session.commit()
    run(date(2026, 12, 9))
    got = reminders(subject_type="reviews_request")
    assert [(r.recipient_id, r.stage, r.step) for r in got] == [
        (owner.id, "due", "Answer to the review's written request to School")]


def test_notices_clear_themselves_when_the_deadline_is_met_paused_or_gone(
        partnership, incident, owner):
    """The Panel is told, so its deadline is met: the owner's notice about it is dismissed,
    the other stays; a reminder held for the next digest stays out of it once met."""
    run(date(2026, 12, 10))  # "Due soon": the Panel and the partners must be told
    assert {r.step for r in reminders(dismissed_at=None)} == {
        _rule_title("panel_notification"), _rule_title("partners_notification")}
    incident.panel_notified_on = date(2026, 12, 10)
    deadline_service.sync_case(incident)
    db.session.commit()
    assert [r.step for r in reminders(dismissed_at=None)] == [
        _rule_title("partners_notification")]

    partners = db.session.scalar(sa.select(Deadline).where(
        Deadline.rule_key == "partners_notification"))
    partners.paused_reason = "Waiting for the police"
    db.session.commit()
    assert reminders(dismissed_at=None) == []


def test_reminders_held_for_the_next_digest_stay_out_once_met_or_deleted(partnership, incident,
                                                                          owner):
    run(date(2026, 12, 10), hour=8)  # the day's digest
    later = make_incident(partnership, la_aware_on=date(2026, 12, 7),
                          incident_date=date(2026, 12, 6), owner_id=owner.id)
    held = run(date(2026, 12, 10), hour=9)  # its two deadlines: held for tomorrow's digest
    assert [line["email"] for line in held.claimed] == ["next digest", "next digest"]
    later.panel_notified_on = date(2026, 12, 10)
    deadline_service.sync_case(later)
    db.session.execute(sa.delete(Deadline).where(Deadline.owner_id == later.id,
                                                 Deadline.rule_key == "partners_notification"))
    db.session.commit()
    assert not [r for r in reminders(dismissed_at=None) if r.reference == later.reference]
    run(date(2026, 12, 11), hour=8)
    digests = db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id)).all()
    # Nothing else was due on the 11th: without the two held reminders, no digest at all.
    assert len(digests) == 1
    assert later.reference not in digests[0].text_body
    assert {r.email_skipped for r in reminders() if r.reference == later.reference} == {
        "dismissed before the digest"}


def _rule_title(key):
    from tracker import deadlines

    return deadlines.get_rule(key, "WT2018").label


@pytest.mark.parametrize("published_on,names", [
    (date(2023, 11, 20), "Send the yearly report to the Panel and the What Works Centre"),
    (date(2026, 11, 20), "Send the yearly report to the Panel and Foundations"),
])
def test_a_reminder_names_the_step_in_the_words_of_the_edition_its_record_follows(
        partnership, owner, published_on, names):
    """A report published under Working Together 2018 is reminded in 2018's words, even now
    that 2023's are current; one published under 2023 in 2023's."""
    from reviews.models import YearlyReport

    report = YearlyReport(partnership_id=partnership.id, published_on=published_on)
    db.session.add(report)
    deadline_service.sync_case(report)
    db.session.commit()
    due = db.session.scalar(sa.select(Deadline.due_date).where(
        Deadline.owner_type == YearlyReport.__tablename__,
        Deadline.rule_key == "yearly_report_copies"))
    run(due)
    assert [r.step for r in reminders(policy_key="yearly_report_copies")] == [names]


def test_the_digest_groups_steps_by_case_the_longest_overdue_first(partnership, owner):
    # Two incidents of one owner, told late: the Panel and the partners were due 8 and 14
    # December (5 working days from awareness).
    earlier = make_incident(partnership, la_aware_on=date(2026, 12, 1),
                            incident_date=date(2026, 11, 30), owner_id=owner.id)
    later = make_incident(partnership, la_aware_on=date(2026, 12, 7),
                          incident_date=date(2026, 12, 5), owner_id=owner.id)

    run(date(2026, 12, 16))

    [digest] = db.session.scalars(sa.select(OutboundEmail)).all()
    lines = [line.strip() for line in digest.text_body.splitlines() if line.strip()]
    cases = [line for line in lines if line.startswith("CSPR-")]
    # One heading per case, the longest overdue first.
    assert cases == [earlier.reference, later.reference]
    steps = lines[lines.index(earlier.reference) + 1:lines.index(later.reference)]
    # Each step says how long it has been overdue, with its own link.
    assert [step for step in steps if step.startswith("- ")] == [
        "- Overdue by 8 days: Notify the Child Safeguarding Practice Review Panel. "
        "Due 8 December 2026.",
        "- Overdue by 8 days: Report the serious incident to the safeguarding partners. "
        "Due 8 December 2026."]
    assert digest.html_body.count(f">{earlier.reference}</a></h2>") == 1
    assert "Overdue by 2 days" in digest.html_body  # the later incident's, due the 14th


def test_an_overdue_publication_says_why_it_is_delayed(partnership, owner):
    from reviews.models import PublicationDelay

    # Decided 20 January 2026: the review was due to be published by 20 July 2026.
    review = make_incident(partnership, la_aware_on=date(2025, 12, 1), owner_id=owner.id,
                           panel_notified_on=date(2025, 12, 2),
                           partners_notified_on=date(2025, 12, 2),
                           rapid_review_sent_on=date(2025, 12, 15), decision="local",
                           decision_on=date(2026, 1, 20), stage="review")
    db.session.add(PublicationDelay(incident_id=review.id, partnership_id=partnership.id,
                                    reason="inquest", revised_on=date(2027, 3, 1),
                                    recorded_on=date(2026, 7, 1)))
    db.session.commit()

    run(date(2026, 12, 16))

    [digest] = db.session.scalars(sa.select(OutboundEmail)).all()
    line = next(line for line in digest.text_body.splitlines() if "Publish" in line)
    assert "(publication delayed: inquest)" in line and line.startswith("- Overdue by")


def test_the_digest_lists_the_paused_deadlines_of_the_users_cases_and_since_when(
        partnership, owner, clock, smtp_server):
    """A paused deadline reminds nobody, so the digest the owner gets anyway lists it, with
    the day it was paused (from the audit trail) and a link; never the reason typed with the
    pause, which is free text. A pause alone sends no e-mail."""
    clock.set(date(2026, 12, 1))
    overdue = make_incident(partnership, la_aware_on=date(2026, 12, 1),
                            incident_date=date(2026, 11, 30), owner_id=owner.id)
    waiting = make_incident(partnership, la_aware_on=date(2026, 12, 7),
                            incident_date=date(2026, 12, 5), owner_id=owner.id)
    other_owner = make_user(Role.BUSINESS_UNIT, [partnership], email="other@example.org")
    only_paused = make_incident(partnership, la_aware_on=date(2026, 12, 7),
                                incident_date=date(2026, 12, 5), owner_id=other_owner.id)
    clock.set(date(2026, 12, 10))
    for incident in (waiting, only_paused):
        for row in db.session.scalars(sa.select(Deadline).where(
                Deadline.owner_type == "serious_incident", Deadline.owner_id == incident.id)):
            row.paused_reason = "The police asked us to wait: Invented Childname"
    db.session.commit()

    clock.set(date(2026, 12, 16))
    report = run_pass(date(2026, 12, 16), at(date(2026, 12, 16)))

    assert report.sent == 1
    (message,) = smtp_server.messages
    assert str(message["To"]) == owner.email
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    paused = lines[next(n for n, line in enumerate(lines) if line.startswith("Paused:")) + 1:]
    assert [line for line in paused if line.startswith("- ")] == [
        f"- {waiting.reference}: Notify the Child Safeguarding Practice Review Panel. "
        "Paused since 10 December 2026 (why is kept in the tracker, never in e-mail).",
        f"- {waiting.reference}: Report the serious incident to the safeguarding partners. "
        "Paused since 10 December 2026 (why is kept in the tracker, never in e-mail)."]
    assert f"http://127.0.0.1:5000/practice-reviews/{waiting.id}" in paused[1]
    # The overdue case is listed as before; the paused one is not overdue.
    assert overdue.reference in text.split("Paused:")[0]
    assert waiting.reference not in text.split("Paused:")[0]
    assert ">Paused</h2>" in html and html.count("10 December 2026") == 2
    for body in (text, html):
        assert "Invented" not in body and "police asked" not in body
        assert only_paused.reference not in body  # another owner's case
