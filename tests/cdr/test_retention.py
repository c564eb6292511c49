"""Retention of child death cases: a closed case past its retention date is listed by the
daily job, and, once a system administrator confirms, anonymised with everything that hangs on
it in one transaction; one on legal hold is kept; the annual report and the compliance figures
count it as before; the audit trail keeps a count and the reference, never the child."""

from datetime import date, datetime

import sqlalchemy as sa

from cdr.models import (
    AgencyRequest,
    CaseAgency,
    CaseNotification,
    ChildDeathCase,
    ChildIdentity,
)
from cdr.services import annual_report
from tests.cdr.factories import make_case
from tests.conftest import _signed_in_client, csrf_token_from
from tests.factories import make_user
from tracker import agency_links, compliance, retention
from tracker.agencies import AgencyContact, DirectoryAgency
from tracker.agency_access import AgencyAnswer, AgencyCode
from tracker.agency_links import AgencyLink
from tracker.audit import AuditEvent
from tracker.compliance import Period
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.models import Partnership
from tracker.reminders.models import Reminder
from tracker.retention import RetentionDue
from tracker.roles import Role

CLOSED = date(2025, 6, 2)
# The default keeps a closed case 20 years (config RETENTION_DEFAULT_YEARS).
AFTER = date(2045, 6, 3)
YEAR = Period(date(2025, 4, 1), date(2026, 3, 31))


def _closed_case(partnership, **fields):
    case = make_case(partnership, category="sudden_unexpected",
                     senior_practitioner="Dr Jo Example", key_worker_name="Sam Worker",
                     **fields)
    # Closed afterwards, keeping the deadlines the compliance figures count.
    db.session.execute(sa.update(ChildDeathCase).where(ChildDeathCase.id == case.id).values(
        closed_on=CLOSED, review_completed_on=CLOSED, stage="closed"))
    notification = CaseNotification(case_id=case.id, partnership_id=partnership.id,
                                    received_on=date(2025, 3, 2), source="hospital",
                                    notifier_name="Nurse Notifier", circumstances="At home")
    db.session.add(notification)
    db.session.flush()
    db.session.add(CaseAgency(case_id=case.id, partnership_id=partnership.id, name="Hill GP",
                              kind="gp", professional="Dr Hill", added_on=date(2025, 3, 2),
                              notification_id=notification.id))
    request = AgencyRequest(case_id=case.id, partnership_id=partnership.id, agency="Hill GP",
                            sent_on=date(2025, 3, 3), summary="The child's GP record says …")
    db.session.add(request)
    db.session.flush()
    agency = DirectoryAgency(partnership_id=partnership.id, name=f"Hill {case.id}",
                             name_key=f"hill {case.id}", kind="gp")
    contact = AgencyContact(agency=agency, partnership_id=partnership.id, name="Jo Hill",
                            email="jo@hill.example")
    db.session.add_all([agency, contact])
    db.session.flush()
    link, _token = agency_links.issue(owner_type="cdr_agency_request", owner_id=request.id,
                                      contact=contact, partnership=partnership,
                                      reference=case.reference, due_on=date(2025, 3, 31))
    db.session.flush()
    db.session.add(AgencyCode(link_id=link.id, code_hash="x" * 64,
                              expires_at=datetime(2025, 3, 4)))
    db.session.add(AgencyAnswer(link_id=link.id, partnership_id=partnership.id,
                                answers={"family": "Named family"}))
    # A deadline met late, and one of the request: what the compliance figures count.
    deadline = Deadline(partnership_id=partnership.id, owner_type="cdr_case", owner_id=case.id,
                        rule_key="registrar_notification", due_date=date(2025, 5, 1),
                        met_on=date(2025, 5, 6))
    db.session.add(deadline)
    db.session.flush()
    db.session.add(Reminder(subject_type="deadline", subject_id=deadline.id, stage="overdue",
                            recipient_id=_any_user_id(), fire_date=date(2025, 4, 1),
                            partnership_id=partnership.id, policy_key="x", step="Step",
                            reference=case.reference, link="/", due_date=date(2025, 4, 1),
                            claim="c"))
    db.session.commit()
    return case, request.id, link.id


def _admin(app, partnership):
    """A system administrator signed in now (after the clock is set: a session signed in
    twenty years earlier has long timed out)."""
    return _signed_in_client(app, partnership, Role.SYSTEM_ADMIN)


def _any_user_id():
    return make_user(Role.CDOP_ADMIN, [db.session.get(Partnership, 1)]).id


def _count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _figures(partnership):
    report = annual_report.annual_report(partnership.id, YEAR)
    rows, total = compliance.rule_compliance(partnership.id, YEAR, ["cdr_case",
                                                                    "cdr_agency_request"],
                                             date(2026, 4, 1))
    return repr(report), repr(rows), repr(total)


def test_a_case_past_its_date_is_listed_confirmed_and_anonymised(app, partnership, clock):
    clock.set(date(2045, 1, 1))
    case, request_id, link_id = _closed_case(partnership)
    kept = make_case(partnership, closed_on=date(2026, 1, 5), stage="closed")
    given, identity_id = db.session.execute(sa.select(
        ChildIdentity.given_names, ChildIdentity.id).where(
        ChildIdentity.case_id == case.id)).one()
    kept_given = db.session.scalar(sa.select(ChildIdentity.given_names).where(
        ChildIdentity.case_id == kept.id))
    assert any(given in str(changes) for changes in db.session.scalars(
        sa.select(AuditEvent.changes)))  # the trail held the name before
    before = _figures(partnership)
    deadlines_before = _count(Deadline, Deadline.owner_id == case.id,
                              Deadline.owner_type == "cdr_case")
    assert retention.list_due(date(2045, 1, 1)) == 0  # not yet 20 years

    clock.set(AFTER)
    assert retention.list_due(AFTER) == 1
    assert retention.list_due(AFTER) == 0  # listed once
    admin_client = _admin(app, partnership)
    page = admin_client.get(f"/retention/{partnership.code}")
    assert case.reference in page.text and kept.reference not in page.text
    assert "Testchild" not in page.text
    item = db.session.scalar(sa.select(RetentionDue))
    url = f"/retention/{partnership.code}/due/{item.id}/dispose"
    confirm = admin_client.get(url)
    response = admin_client.post(url, data={"csrf_token": csrf_token_from(confirm.text)})
    assert response.status_code == 302

    db.session.expire_all()
    # The case row stays, with its non-identifying fields and its deadlines.
    row = db.session.get(ChildDeathCase, case.id)
    assert row.reference == case.reference and row.category == "sudden_unexpected"
    assert row.senior_practitioner is None and row.key_worker_name is None
    assert _count(Deadline, Deadline.owner_id == case.id,
                  Deadline.owner_type == "cdr_case") == deadlines_before > 0
    # Everything that identifies the child or the family is gone.
    assert _count(ChildIdentity, ChildIdentity.case_id == case.id) == 0
    assert _count(CaseNotification, CaseNotification.case_id == case.id) == 0
    assert _count(CaseAgency, CaseAgency.case_id == case.id) == 0
    assert _count(AgencyLink, AgencyLink.id == link_id) == 0
    assert _count(AgencyCode, AgencyCode.link_id == link_id) == 0
    assert _count(AgencyAnswer, AgencyAnswer.link_id == link_id) == 0
    assert db.session.get(AgencyRequest, request_id).summary is None
    assert _count(Reminder, Reminder.reference == case.reference) == 0
    # The other case is untouched.
    assert _count(ChildIdentity, ChildIdentity.case_id == kept.id) == 1
    # The annual report and the compliance figures are unchanged.
    assert _figures(partnership) == before
    # The audit trail: one row with the count and the reference, nothing of the child.
    disposal = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.object_type == "RetentionDisposal"))
    assert disposal.object_label == case.reference
    assert "rows removed" in disposal.detail and case.reference in disposal.detail
    # No audit row, old or new, keeps what identified the child or the family: the rows
    # written when the case was recorded are cleared of it (who did what, when, stays).
    trail = [f"{event.changes} {event.detail} {event.object_label}"
             for event in db.session.scalars(sa.select(AuditEvent))]
    for text in trail:
        assert given not in text and "Nurse Notifier" not in text and "Dr Hill" not in text
        assert "Dr Jo Example" not in text and "GP record says" not in text
    assert any(kept_given in text for text in trail)  # the other case's rows are untouched
    assert _count(AuditEvent, AuditEvent.object_type == "ChildIdentity",
                  AuditEvent.object_id == str(identity_id)) == 1
    # Disposed of once: the record is not listed again.
    assert retention.list_due(AFTER) == 0
    said = admin_client.get(f"/retention/{partnership.code}").text
    assert f"Child death case {case.reference} anonymised: 9 rows removed" in said
    assert case.reference not in admin_client.get(f"/retention/{partnership.code}").text


def test_a_case_on_legal_hold_is_kept_until_the_hold_is_lifted(app, partnership, clock):
    clock.set(AFTER)
    admin_client = _admin(app, partnership)
    case, _request_id, _link_id = _closed_case(partnership)
    retention.list_due(AFTER)
    item = db.session.scalar(sa.select(RetentionDue))
    hold_url = f"/retention/{partnership.code}/due/{item.id}/hold"
    form = admin_client.get(hold_url)
    # A hold without a reason is refused with an error summary.
    refused = admin_client.post(hold_url, data={"csrf_token": csrf_token_from(form.text)})
    assert refused.status_code == 200 and "Select why the record is on hold" in refused.text
    admin_client.post(hold_url, data={"csrf_token": csrf_token_from(form.text),
                                      "hold_reason": "inquest",
                                      "detail": "Coroner's inquest opened"})
    page = admin_client.get(f"/retention/{partnership.code}")
    assert "Legal hold" in page.text and "An inquest" in page.text

    url = f"/retention/{partnership.code}/due/{item.id}/dispose"
    admin_client.post(url, data={"csrf_token": csrf_token_from(page.text)})
    db.session.expire_all()
    assert _count(ChildIdentity, ChildIdentity.case_id == case.id) == 1
    assert db.session.get(RetentionDue, item.id).disposed_at is None
    assert _count(AuditEvent, AuditEvent.object_type == "RetentionDisposal") == 0
    hold_rows = db.session.scalars(sa.select(AuditEvent.detail).where(
        AuditEvent.object_type == "RetentionDue", AuditEvent.detail.like("Legal hold%"))).all()
    assert any(detail.startswith("Legal hold set: An inquest") for detail in hold_rows)

    lift_url = f"/retention/{partnership.code}/due/{item.id}/lift"
    lift = admin_client.get(lift_url)
    admin_client.post(lift_url, data={"csrf_token": csrf_token_from(lift.text),
                                      "detail": "Inquest concluded"})
    db.session.expire_all()
    assert not db.session.get(RetentionDue, item.id).held
    admin_client.post(url, data={"csrf_token": csrf_token_from(lift.text)})
    db.session.expire_all()
    assert _count(ChildIdentity, ChildIdentity.case_id == case.id) == 0
    # The hold's details (they may name someone) are cleared from its audit rows.
    details = " ".join(db.session.scalars(sa.select(AuditEvent.detail).where(
        AuditEvent.object_type == "RetentionDue", AuditEvent.detail.is_not(None))))
    assert "Legal hold set: An inquest" in details
    assert "Coroner's inquest opened" not in details and "Inquest concluded" not in details


def test_other_roles_and_partnerships_cannot_reach_retention(app, partnership,
                                                            other_partnership, clock):
    clock.set(AFTER)
    admin_client = _admin(app, partnership)
    cdop_client = _signed_in_client(app, partnership, Role.CDOP_ADMIN)
    _closed_case(other_partnership)
    retention.list_due(AFTER)
    item = db.session.scalar(sa.select(RetentionDue))
    assert cdop_client.get(f"/retention/{partnership.code}").status_code == 403
    assert admin_client.get(f"/retention/{other_partnership.code}").status_code == 404
    assert admin_client.get(
        f"/retention/{partnership.code}/due/{item.id}/dispose").status_code == 404


def test_a_case_reopened_after_it_was_listed_is_not_disposed_of(app, partnership, clock):
    """Listed, then reopened before anyone confirmed: confirming removes nothing (an open
    case never loses its child's details) and takes it off the list; the daily job takes
    such a listing off too."""
    clock.set(AFTER)
    admin_client = _admin(app, partnership)
    case, _request_id, _link_id = _closed_case(partnership)
    other, _r, _l = _closed_case(partnership)
    retention.list_due(AFTER)
    item = db.session.scalar(sa.select(RetentionDue).where(RetentionDue.record_id == case.id,
                                                          RetentionDue.kind == "cdr_case"))
    for reopened in (case, other):
        db.session.execute(sa.update(ChildDeathCase).where(ChildDeathCase.id == reopened.id)
                           .values(closed_on=None, review_completed_on=None, stage="panel"))
    db.session.commit()

    url = f"/retention/{partnership.code}/due/{item.id}/dispose"
    response = admin_client.post(url, data={"csrf_token": csrf_token_from(
        admin_client.get(url).text)}, follow_redirects=True)
    assert "no longer due for disposal" in response.text
    db.session.expire_all()
    assert _count(ChildIdentity, ChildIdentity.case_id == case.id) == 1
    assert _count(RetentionDue, RetentionDue.record_id == case.id) == 0
    assert _count(AuditEvent, AuditEvent.object_type == "RetentionDisposal") == 0

    retention.list_due(AFTER)  # the other one, reopened too, goes off at the next run
    assert _count(RetentionDue, RetentionDue.kind == "cdr_case") == 0
    assert _count(ChildIdentity, ChildIdentity.case_id == other.id) == 1
