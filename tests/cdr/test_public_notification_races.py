"""The public notification form's Send and its triage, in real parallel requests (each
thread its own request, session and connection; see tests/tracker/test_duplicate_races.py):
a double Send issues one number, two administrators triage a submission once."""

from datetime import date

import pytest
import sqlalchemy as sa

from cdr.models.public import PublicNotification
from cdr.services import public_notifications as service
from tests.cdr.test_public_notifications import ANSWERS, START, fill_in, send, triage_url
from tests.conftest import csrf_token_from
from tests.factories import make_partnership
from tests.tracker.test_duplicate_races import held_at, in_parallel, served, signed_in
from tracker import mail
from tracker.extensions import db
from tracker.roles import Role

__all__ = ["served"]  # the fixture, shared


@pytest.fixture(autouse=True)
def _today(served, clock):
    clock.set(date(2026, 3, 4))  # the answers' dates are before it


def _taking(partnership):
    partnership.takes_public_notifications = True
    db.session.commit()


def test_two_sends_of_one_draft_at_once_issue_one_number(served, monkeypatch):
    app, partnership = served
    _taking(partnership)
    one = app.test_client()
    fill_in(one, ANSWERS)
    two = app.test_client()
    two.set_cookie("session", one.get_cookie("session").value)  # the same browser
    html = one.get(f"{START}/check").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(html)}
    held_at(monkeypatch, service, "submit")

    responses = in_parallel((one, f"{START}/check", data), (two, f"{START}/check", data))

    assert [r.status_code for r in responses] == [302, 302]
    assert all(r.location.endswith(f"{START}/sent") for r in responses)
    assert db.session.scalars(sa.select(PublicNotification.reference)).all() == [
        "PN-NSP-2026-0001"]
    for client in (one, two):
        assert "PN-NSP-2026-0001" in client.get(f"{START}/sent").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(mail.OutboundEmail)) == 1


def test_two_administrators_forwarding_at_once_make_one_copy(served, monkeypatch):
    app, partnership = served
    _taking(partnership)
    other = make_partnership(code="SVP", name="Southvale Partnership")
    notifier = app.test_client()
    fill_in(notifier, ANSWERS)
    send(notifier)
    submission = db.session.scalar(sa.select(PublicNotification))
    admins = [signed_in(app, partnership, Role.CDOP_ADMIN) for _ in range(2)]
    url = triage_url(submission, "/decline")
    posts = []
    for admin in admins:
        html = admin.get(url).get_data(as_text=True)
        posts.append((admin, url, {"reason": "another_area", "forward_to": str(other.id),
                                   "csrf_token": csrf_token_from(html)}))
    held_at(monkeypatch, service, "decline")

    responses = in_parallel(*posts)

    assert [r.status_code for r in responses] == [302, 302]
    rows = db.session.scalars(sa.select(PublicNotification).order_by(
        PublicNotification.id)).all()
    assert len(rows) == 2 and rows[1].forwarded_from_id == partnership.id
    assert rows[0].status == "forwarded"
    told = [r for r in responses if r.location.endswith(triage_url(submission))]
    assert len(told) == 1
