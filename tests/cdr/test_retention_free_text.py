"""A child death case disposed of keeps nothing that may name the child, the family or anyone
else: every free-text column of the case and its rows (planted with a value of its own, through
the ORM so the audit trail copies them as a user's saves do), the timeline's text, the
deadlines' reasons, a reason a user gave, and the audit trail's copies and labels of all of
them are gone from every text column of every table; the annual report and the compliance
figures are unchanged. A public-form submission declined or forwarded is deleted on its own
schedule; one waiting for triage never is."""

from datetime import date, datetime

import sqlalchemy as sa

from cdr import retention as cdr_retention
from cdr.models import (
    AgencyRequest,
    CaseAction,
    CaseAgency,
    CaseNotification,
    CaseTransfer,
    ChildDeathCase,
    ChildIdentity,
    RapidResponseMeeting,
)
from cdr.models.public import DECLINED, FORWARDED, NEW_CASE, SUBMITTED, PublicNotification
from tests import text_dump
from tests.cdr.factories import make_case
from tests.cdr.test_retention import AFTER, _admin, _closed_case, _figures
from tests.conftest import csrf_token_from
from tracker import audit, retention
from tracker.agency_access import AgencyAnswer
from tracker.audit import AuditEvent
from tracker.deadline_models import Deadline
from tracker.disposal import REMOVED
from tracker.extensions import db
from tracker.models import Partnership
from tracker.retention import RetentionDue
from tracker.timeline import TimelineEntry

_n = iter(range(1, 1000))


def _plant(row, columns):
    """Give each of these columns of `row` a planted value of its own (an ORM save, audited)."""
    for name in columns:
        setattr(row, name, text_dump.planted(next(_n)))


def _text_columns(model, skip=()):
    return [column.name for column in text_dump.text_columns(model.__table__)
            if column.name not in skip and not column.foreign_keys]


def _every_free_text_filled(case, request_id, link_id, partnership):
    """Fill every column disposal clears, blanks or deletes with a planted value."""
    case = db.session.get(ChildDeathCase, case.id)
    _plant(case, cdr_retention.CLEARED[ChildDeathCase])
    _plant(db.session.scalar(sa.select(ChildIdentity).where(ChildIdentity.case_id == case.id)),
           _text_columns(ChildIdentity))
    for notification in db.session.scalars(sa.select(CaseNotification).where(
            CaseNotification.case_id == case.id)):
        _plant(notification, _text_columns(CaseNotification, skip=("source", "answers")))
        notification.answers = {"circumstances": [text_dump.planted(next(_n))]}
    _plant(db.session.scalar(sa.select(CaseAgency).where(CaseAgency.case_id == case.id)),
           ("name", "professional"))
    other = db.session.scalar(sa.select(Partnership).where(Partnership.id != partnership.id))
    db.session.add(CaseTransfer(case_id=case.id, partnership_id=partnership.id,
                                from_partnership_id=(other or partnership).id,
                                reason=text_dump.planted(next(_n))))
    submission = PublicNotification(partnership_id=partnership.id, status=NEW_CASE,
                                    case_id=case.id, submitted_at=datetime(2025, 3, 1))
    _plant(submission, ("reference", "notifier_name", "notifier_role",
                        "notifier_organisation", "notifier_email", "decline_where"))
    submission.answers = {"given_names": [text_dump.planted(next(_n))]}
    db.session.add(submission)
    meeting = RapidResponseMeeting(case_id=case.id, partnership_id=partnership.id, number=1,
                                   meeting_on=date(2025, 3, 4), held=True)
    _plant(meeting, cdr_retention.CLEARED[RapidResponseMeeting])
    db.session.add(meeting)
    action = CaseAction(case_id=case.id, partnership_id=partnership.id,
                        due_on=date(2025, 9, 1), completed_on=date(2025, 8, 1))
    _plant(action, ("description", "owner", "evidence"))
    db.session.add(action)
    _plant(db.session.get(AgencyRequest, request_id), ("summary",))
    answer = db.session.scalar(sa.select(AgencyAnswer).where(AgencyAnswer.link_id == link_id))
    answer.answers = {"family": text_dump.planted(next(_n))}
    answer.question = text_dump.planted(next(_n))
    for kind in ("reopened", "action_completed"):
        db.session.add(TimelineEntry(owner_type="cdr_case", owner_id=case.id, kind=kind,
                                     partnership_id=partnership.id,
                                     text=f"Done. Reason: {text_dump.planted(next(_n))}"))
    for deadline in db.session.scalars(sa.select(Deadline).where(
            Deadline.owner_type == "cdr_case", Deadline.owner_id == case.id).limit(2)):
        _plant(deadline, ("paused_reason", "extension_reason"))
    db.session.flush()
    audit.record(audit.Action.UPDATE, case, detail="Reopened",
                 reason=f"Asked by {text_dump.planted(next(_n))}")
    db.session.commit()


def _dispose_the_one_case_due(app, partnership):
    """List what is due on AFTER (one case), and confirm its disposal as a system
    administrator does, on the retention page."""
    assert retention.list_due(AFTER) == 1
    item = db.session.scalar(sa.select(RetentionDue).where(RetentionDue.kind == "cdr_case"))
    admin_client = _admin(app, partnership)
    url = f"/retention/{partnership.code}/due/{item.id}/dispose"
    response = admin_client.post(url, data={"csrf_token": csrf_token_from(
        admin_client.get(url).text)})
    assert response.status_code == 302


def test_a_disposed_case_keeps_no_free_text_anywhere(app, partnership, other_partnership,
                                                     clock):
    clock.set(AFTER)
    case, request_id, link_id = _closed_case(partnership)
    kept = _closed_case(other_partnership)[0]  # another partnership's case, not yet due
    _every_free_text_filled(case, request_id, link_id, partnership)
    _plant(db.session.get(ChildDeathCase, kept.id), ("inquest_conclusion",))
    db.session.commit()
    kept_value = db.session.get(ChildDeathCase, kept.id).inquest_conclusion
    planted = text_dump.found()
    assert "cdr_case.inquest_conclusion" in planted and "audit_event.changes" in planted
    assert "timeline_entry.text" in planted and "audit_event.object_label" in planted
    before = _figures(partnership)
    trail_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    retention.set_years(other_partnership.id, "cdr_case", 0, "Kept", None)
    db.session.commit()

    _dispose_the_one_case_due(app, partnership)

    db.session.expire_all()
    # Only the other partnership's case keeps its planted text.
    assert text_dump.found() == {"cdr_case.inquest_conclusion": [kept_value],
                                 "audit_event.changes": [kept_value]}
    assert _figures(partnership) == before
    # The trail keeps every row (who did what, when), and one more for the disposal.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) > trail_before
    row = db.session.get(ChildDeathCase, case.id)
    assert (row.reference, row.category, row.sex) == (case.reference, "sudden_unexpected",
                                                      "female")
    action = db.session.scalar(sa.select(CaseAction).where(CaseAction.case_id == case.id))
    assert action.description == REMOVED and action.completed_on is not None
    entries = db.session.scalars(sa.select(TimelineEntry).where(
        TimelineEntry.owner_type == "cdr_case", TimelineEntry.owner_id == case.id)).all()
    assert {entry.kind for entry in entries} >= {"reopened", "action_completed"}
    assert {entry.text for entry in entries} == {REMOVED}


def _submission(partnership, status, **fields):
    """A submission with its number (kept on the retention page and in the trail: it names
    no one) and planted answers and notifier."""
    row = PublicNotification(partnership_id=partnership.id, status=status,
                             reference=f"PN-{partnership.code}-2025-{next(_n):04d}",
                             submitted_at=datetime(2025, 3, 1), **fields)
    _plant(row, ("notifier_name", "notifier_email"))
    row.answers = {"given_names": [text_dump.planted(next(_n))]}
    db.session.add(row)
    return row


def test_a_public_notification_declined_or_forwarded_is_deleted_after_its_years(
        app, partnership, other_partnership, clock):
    """Declined (or forwarded on) two years ago: listed and, once confirmed, deleted. One
    still waiting for triage, however old, is never listed; one made a case goes only with
    the case."""
    clock.set(date(2025, 3, 2))
    declined = _submission(partnership, DECLINED, triaged_at=datetime(2025, 3, 2),
                           decline_reason="another_area")
    declined.decline_where = text_dump.planted(next(_n))
    forwarded = _submission(partnership, FORWARDED, triaged_at=datetime(2025, 3, 3),
                            forwarded_to_id=other_partnership.id, decline_reason="another_area")
    waiting = _submission(partnership, SUBMITTED)
    db.session.commit()
    declined_id, forwarded_id, waiting_id = declined.id, forwarded.id, waiting.id
    waiting_values = {*text_dump.PLANTED.findall(
        f"{waiting.notifier_name} {waiting.notifier_email} "
        f"{waiting.answers}")}

    assert retention.list_due(date(2027, 3, 1)) == 0  # not yet two years
    clock.set(date(2027, 3, 10))
    assert retention.list_due(date(2027, 3, 10)) == 2
    items = db.session.scalars(sa.select(RetentionDue).where(
        RetentionDue.kind == cdr_retention.PUBLIC_KEY)).all()
    assert {item.record_id for item in items} == {declined_id, forwarded_id}
    admin_client = _admin(app, partnership)
    page = admin_client.get(f"/retention/{partnership.code}")
    assert "Public notification not made a case" in page.text
    assert "2 years after it was declined or forwarded" in page.text
    for item in items:
        url = f"/retention/{partnership.code}/due/{item.id}/dispose"
        admin_client.post(url, data={"csrf_token": csrf_token_from(
            admin_client.get(url).text)})
    db.session.expire_all()
    assert db.session.get(PublicNotification, declined_id) is None
    assert db.session.get(PublicNotification, forwarded_id) is None
    assert db.session.get(PublicNotification, waiting_id).status == SUBMITTED
    # Only the waiting submission's values are left (its row, and its audit rows).
    assert {value for values in text_dump.found().values()
            for value in values} == waiting_values



def test_every_text_column_of_a_case_has_a_disposal_decision(app):
    """A text column added to cdr's models fails here until cdr/retention.py says whether
    disposal clears or keeps it."""
    assert text_dump.undecided("cdr.models", cdr_retention.DELETED, cdr_retention.CLEARED,
                               cdr_retention.BLANKED, cdr_retention.KEPT) == []


def test_a_disposal_clears_what_was_taken_off_the_case_before_it(app, partnership, clock):
    """An agency taken off the case's list and a cancelled rapid response meeting are gone
    before the disposal, but their audit rows held every value they had: those go too."""
    from cdr.services import agencies, meetings

    clock.set(AFTER)
    case, _request_id, _link_id = _closed_case(partnership)
    agency = CaseAgency(case_id=case.id, name=text_dump.planted(901), kind="gp",
                        added_on=date(2025, 3, 3), partnership_id=partnership.id,
                        professional=text_dump.planted(902))
    meeting = RapidResponseMeeting(case_id=case.id, partnership_id=partnership.id, number=2,
                                   meeting_on=date(2025, 3, 4), held=False,
                                   chair=text_dump.planted(911), notes=text_dump.planted(912))
    db.session.add_all([agency, meeting])
    db.session.commit()
    agencies.remove(case, agency.id, AFTER)
    meetings.cancel_meeting(case, meeting, "Family asked to wait", AFTER)
    db.session.commit()
    planted = text_dump.found()
    assert set(planted["audit_event.changes"]) >= {text_dump.planted(n)
                                                   for n in (901, 902, 911, 912)}

    _dispose_the_one_case_due(app, partnership)

    db.session.expire_all()
    assert text_dump.found() == {}


def test_an_id_given_again_to_another_cases_row_keeps_that_cases_audit_trail(app, partnership,
                                                                            clock):
    """SQLite gives a deleted row's id again to the next row: the disposal clears the audit
    rows that name the disposed case, never those of the other case's row with that id."""
    from cdr.services import agencies

    clock.set(AFTER)
    case, _request_id, _link_id = _closed_case(partnership)
    open_case = make_case(partnership)
    gone = CaseAgency(case_id=case.id, name=text_dump.planted(921), kind="gp",
                      added_on=date(2025, 3, 3), partnership_id=partnership.id)
    db.session.add(gone)
    db.session.commit()
    agencies.remove(case, gone.id, AFTER)
    db.session.commit()
    kept = CaseAgency(case_id=open_case.id, name=text_dump.planted(922), kind="gp",
                      added_on=date(2025, 3, 3), partnership_id=partnership.id)
    db.session.add(kept)
    db.session.commit()

    _dispose_the_one_case_due(app, partnership)

    db.session.expire_all()
    left = text_dump.found()
    assert text_dump.planted(921) not in str(left)
    # The open case's agency, and its audit row, are untouched.
    assert left["cdr_case_agency.name"] == [text_dump.planted(922)]
    assert text_dump.planted(922) in left["audit_event.changes"]
