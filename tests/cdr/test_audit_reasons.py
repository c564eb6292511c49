"""Reasons written for a transfer, a reopening or a cancellation can name a child: the audit
trail shows their text only to viewers who may see identifying details; a system
administrator sees that a reason was recorded."""

from datetime import date

import pytest
from flask import g

from cdr.models import RapidResponseMeeting
from cdr.services import meetings, panel_outcome, transfers
from tests.cdr.factories import make_case
from tests.conftest import page
from tests.factories import make_user
from tracker import audit
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.roles import Role

TODAY = date(2025, 3, 10)
NAMED = "Jane Doe's stepfather moved her to Southvale"


@pytest.fixture
def reasons(app, partnership, other_partnership):
    """A case transferred, one reopened and one meeting cancelled, each with a reason that
    names the child, written by the services as the pages write them."""
    editor = make_user(Role.CDOP_ADMIN, [partnership, other_partnership])
    moved = make_case(partnership)
    reopened = make_case(partnership, closed_on=date(2025, 3, 1),
                         review_completed_on=date(2025, 3, 1), stage="closed")
    cancelled = make_case(partnership)
    meeting = RapidResponseMeeting(case_id=cancelled.id, partnership_id=partnership.id,
                                   number=1, meeting_on=date(2025, 3, 12))
    db.session.add(meeting)
    db.session.commit()
    with app.test_request_context():
        g.audit_actor = editor
        transfers.transfer(moved, other_partnership, f"Transfer: {NAMED}", editor, TODAY)
        panel_outcome.reopen(reopened, f"Reopen: {NAMED}", TODAY)
        meetings.cancel_meeting(cancelled, meeting, f"Cancel: {NAMED}", TODAY)
        db.session.commit()
    return [moved, reopened, cancelled]


def details(client):
    """The details of the audit page's update rows about child death cases."""
    shown = client.get("/audit/?action=update&record_type=ChildDeathCase")
    assert shown.status_code == 200
    return [row.select("td")[4].get_text(" ", strip=True)
            for row in page(shown).select("#audit-events tbody tr")
            if "Reason" in row.get_text()]


def test_a_system_administrator_sees_that_a_reason_was_recorded(
        app, admin_client, other_partnership, reasons):
    admin_client.user.partnerships.append(other_partnership)  # sees both sides of the transfer
    db.session.commit()

    shown = details(admin_client)

    assert sorted(shown) == [
        "Cancelled the first rapid response meeting of 12 March 2025. Reason recorded",
        "Reopened (closed on 1 March 2025). Reason recorded",
        "Transferred from NSP to SVP. Reason recorded",
        "Transferred from NSP to SVP. Reason recorded",
    ]
    assert "Jane" not in admin_client.get("/audit/").get_data(as_text=True)


def test_an_auditor_who_may_see_identifying_details_reads_the_reasons(auditor_client, reasons):
    assert sorted(details(auditor_client)) == [
        f"Cancelled the first rapid response meeting of 12 March 2025. Reason: Cancel: {NAMED}",
        f"Reopened (closed on 1 March 2025). Reason: Reopen: {NAMED}",
        f"Transferred from NSP to SVP. Reason: Transfer: {NAMED}",
    ]


def test_a_reason_recorded_before_the_mark_was_shared_is_withheld_too(admin_client,
                                                                    partnership):
    """Rows written before this change hold the same '. Reason: ' text."""
    db.session.add(AuditEvent(action="update", object_type="ChildDeathCase", object_id="1",
                              object_label="CDOP-NSP-2024-0001", partnership_id=partnership.id,
                              detail=f"Reopened (closed on 1 May 2024). Reason: {NAMED}"))
    db.session.commit()

    assert details(admin_client) == ["Reopened (closed on 1 May 2024). Reason recorded"]


@pytest.mark.parametrize(("shows_reasons", "shown"), [
    (True, f"Transferred from NSP to SVP. Reason: {NAMED}. Reason: again"),
    (False, "Transferred from NSP to SVP. Reason recorded"),
])
def test_the_reason_is_all_the_text_after_the_mark(shows_reasons, shown):
    detail = f"Transferred from NSP to SVP. Reason: {NAMED}. Reason: again"
    assert audit.detail_for_viewer(detail, {"NSP", "SVP"}, shows_reasons) == shown
