"""In-app notices: the count in the header, the list page, dismissing one or all."""

import itertools
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_token_from, sign_in
from tests.factories import make_user
from tests.reviews.factories import make_incident
from tests.tracker.test_audit import count_queries
from tracker.extensions import db
from tracker.reminders.models import Reminder
from tracker.reminders.passes import run_pass
from tracker.roles import Role

# The pages read the real today (the relative_dates CI step runs these on awkward days).
pytestmark = pytest.mark.relative_dates

_ids = itertools.count(1)


def make_notice(user, partnership, **fields):
    """A reminder ledger row addressed to `user` (a notice), committed."""
    n = next(_ids)
    values = {
        "subject_type": "deadline", "subject_id": n, "stage": "overdue",
        "recipient_id": user.id, "fire_date": date(2026, 12, 15),
        "partnership_id": partnership.id, "policy_key": "panel_notification",
        "step": "Notify the Child Safeguarding Practice Review Panel",
        "reference": f"CSPR-{partnership.code}-2026-{n:04d}", "link": f"/practice-reviews/{n}",
        "due_date": date(2026, 12, 14), "claim": "test", **fields,
    }
    notice = Reminder(**values)
    db.session.add(notice)
    db.session.commit()
    return notice


def client_for(app, user):
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client


def header_link(call, client):
    """The header's notices link text, or None when there is none."""
    link = call(client, "main.home").html.select_one("#notices-link")
    return link.get_text(strip=True) if link else None


def rows(page):
    return page.html.select("#notices tbody tr")


@pytest.fixture
def owner(partnership):
    return make_user(Role.BUSINESS_UNIT, [partnership], email="owner@example.org")


@pytest.fixture
def owner_client(app, owner):
    return client_for(app, owner)


@pytest.fixture
def incident(partnership, owner):
    # Aware Monday 7 December 2026: the Panel must be told by Monday 14 December.
    return make_incident(partnership, la_aware_on=date(2026, 12, 7),
                         incident_date=date(2026, 12, 5), owner_id=owner.id)


def run(day):
    return run_pass(day, datetime(day.year, day.month, day.day, 8), send=False)


# The header ---------------------------------------------------------------------------------


def test_the_header_counts_the_users_open_notices(call, owner, owner_client, partnership):
    assert header_link(call, owner_client) == "Notices (0)"
    for _ in range(3):
        make_notice(owner, partnership)
    make_notice(owner, partnership, dismissed_at=datetime(2026, 12, 15, 9))
    assert header_link(call, owner_client) == "Notices (3)"


def test_the_header_count_stops_at_99(call, owner, owner_client, partnership):
    db.session.add_all(Reminder(
        subject_type="deadline", subject_id=n, stage="overdue", recipient_id=owner.id,
        fire_date=date(2026, 12, 15), partnership_id=partnership.id, policy_key="x",
        step="Step", reference="R", link="/", due_date=date(2026, 12, 14), claim="test")
        for n in range(120))
    db.session.commit()
    assert header_link(call, owner_client) == "Notices (99+)"


def test_no_notices_link_for_anonymous_users_or_roles_that_get_no_reminders(
        call, client, admin_client, panel_client, cdop_client, auditor_client):
    assert client.get("/sign-in").status_code == 200
    assert call(client, "auth.login").html.select_one("#notices-link") is None
    assert header_link(call, admin_client) is None
    assert header_link(call, panel_client) is None
    assert header_link(call, cdop_client) == "Notices (0)"
    assert header_link(call, auditor_client) == "Notices (0)"
    call(admin_client, "notices.index", status=403)
    call(panel_client, "notices.index", status=403)


# The list -----------------------------------------------------------------------------------


def test_a_reminder_pass_shows_on_the_list_with_its_stage_case_step_and_due_date(
        call, owner_client, incident):
    run(date(2026, 12, 10))  # 2 working days before the Panel notification is due
    page = call(owner_client, "notices.index")
    texts = [row.get_text(" ", strip=True) for row in rows(page)]
    panel = next(row for row in rows(page) if "Review Panel" in row.get_text())
    tag = panel.select_one(".govuk-tag")
    assert tag.get_text(strip=True) == "Due soon"
    assert "govuk-tag--yellow" in tag["class"]
    link = panel.select_one("a")
    assert link.get_text(strip=True) == incident.reference
    assert link["href"] == f"/practice-reviews/{incident.id}"
    assert "14 December 2026" in panel.get_text()
    assert len(texts) == 2  # the Panel and the safeguarding partners
    assert header_link(call, owner_client) == "Notices (2)"


def test_notices_are_newest_first_with_overdue_tagged_red(call, owner, owner_client, partnership):
    old = make_notice(owner, partnership, stage="before", reference="CSPR-NSP-2026-0001")
    new = make_notice(owner, partnership, stage="overdue", reference="CSPR-NSP-2026-0002")
    page = call(owner_client, "notices.index")
    assert [row["id"] for row in rows(page)] == [f"notice-{new.id}", f"notice-{old.id}"]
    assert "govuk-tag--red" in rows(page)[0].select_one(".govuk-tag")["class"]


def test_the_list_is_paged(app, call, owner, owner_client, partnership):
    for _ in range(app.config["PAGE_SIZE"] + 3):
        make_notice(owner, partnership)
    first = call(owner_client, "notices.index")
    assert len(rows(first)) == app.config["PAGE_SIZE"]
    second = call(owner_client, "notices.index", page=2)
    assert len(rows(second)) == 3


def test_the_list_and_the_header_cost_the_same_queries_for_1_or_60_notices(
        owner, owner_client, partnership):
    make_notice(owner, partnership)
    with count_queries() as few:
        assert owner_client.get("/notices").status_code == 200
    for _ in range(59):
        make_notice(owner, partnership)
    with count_queries() as many:
        response = owner_client.get("/notices")
    assert response.status_code == 200
    assert len(many) == len(few)


def test_only_notices_of_partnerships_the_user_still_belongs_to(
        app, call, partnership, other_partnership):
    user = make_user(Role.BUSINESS_UNIT, [partnership, other_partnership])
    mine = make_notice(user, partnership, reference="CSPR-NSP-2026-0100")
    elsewhere = make_notice(user, other_partnership, reference="CSPR-SVP-2026-0100")
    user.partnerships = [partnership]  # moved out of Southvale
    db.session.commit()
    client = client_for(app, user)
    page = call(client, "notices.index")
    assert [row["id"] for row in rows(page)] == [f"notice-{mine.id}"]
    assert "CSPR-SVP" not in page.text()
    assert header_link(call, client) == "Notices (1)"
    token = csrf_token_from(client.get("/notices").get_data(as_text=True))
    response = client.post(f"/notices/{elsewhere.id}/dismiss", data={"csrf_token": token})
    assert response.status_code == 404


def test_nobody_sees_another_users_notices(call, owner, owner_client, partnership, app):
    colleague = make_user(Role.BUSINESS_UNIT, [partnership])
    theirs = make_notice(colleague, partnership, reference="CSPR-NSP-2026-0200")
    assert rows(call(owner_client, "notices.index")) == []
    token = csrf_token_from(owner_client.get("/notices").get_data(as_text=True))
    assert owner_client.post(f"/notices/{theirs.id}/dismiss",
                             data={"csrf_token": token}).status_code == 404
    assert owner_client.post("/notices/999999/dismiss",
                             data={"csrf_token": token}).status_code == 404
    db.session.refresh(theirs)
    assert theirs.dismissed_at is None


# Dismissing ---------------------------------------------------------------------------------


def test_dismissing_hides_the_notice(call, owner, owner_client, partnership):
    kept = make_notice(owner, partnership)
    gone = make_notice(owner, partnership)
    page = call(owner_client, "notices.dismiss", notice_id=gone.id, data={},
                form_page="notices.index", status=302)
    assert page.response.location.endswith("/notices")
    after = call(owner_client, "notices.index")
    assert [row["id"] for row in rows(after)] == [f"notice-{kept.id}"]
    assert "Notice dismissed" in after.text(".govuk-notification-banner")
    assert header_link(call, owner_client) == "Notices (1)"


def test_dismissing_needs_the_forms_csrf_token(app, owner, partnership):
    app.config["WTF_CSRF_ENABLED"] = True
    notice = make_notice(owner, partnership)
    client = client_for(app, owner)
    assert client.post(f"/notices/{notice.id}/dismiss").status_code == 400
    db.session.refresh(notice)
    assert notice.dismissed_at is None


def test_a_dismissed_notice_does_not_stop_the_next_stage(call, owner, owner_client, incident):
    run(date(2026, 12, 10))
    for row in rows(call(owner_client, "notices.index")):
        notice_id = int(row["id"].removeprefix("notice-"))
        call(owner_client, "notices.dismiss", notice_id=notice_id, data={},
             form_page="notices.index", status=302)
    assert rows(call(owner_client, "notices.index")) == []
    run(date(2026, 12, 14))  # due today: a new stage, a new notice
    page = call(owner_client, "notices.index")
    assert {row.select_one(".govuk-tag").get_text(strip=True) for row in rows(page)} == {
        "Due today"}
    assert len(rows(page)) == 2
    assert header_link(call, owner_client) == "Notices (2)"


def test_dismissing_the_latest_notice_of_a_deadline_dismisses_its_older_ones(
        call, owner, owner_client, partnership):
    older = make_notice(owner, partnership, subject_id=77, stage="due")
    latest = make_notice(owner, partnership, subject_id=77, stage="overdue")
    other = make_notice(owner, partnership, subject_id=78)
    call(owner_client, "notices.dismiss", notice_id=latest.id, data={},
         form_page="notices.index", status=302)
    db.session.expire_all()
    assert db.session.get(Reminder, older.id).dismissed_at is not None
    assert db.session.get(Reminder, other.id).dismissed_at is None


def test_dismiss_all(call, owner, owner_client, partnership):
    colleague = make_user(Role.BUSINESS_UNIT, [partnership])
    for _ in range(3):
        make_notice(owner, partnership)
    theirs = make_notice(colleague, partnership)
    page = call(owner_client, "notices.index")
    button = page.html.select_one("form[action='/notices/dismiss-all'] button")
    assert button.get_text(strip=True) == "Dismiss all 3 notices"
    call(owner_client, "notices.dismiss_all", data={}, form_page="notices.index", status=302)
    after = call(owner_client, "notices.index")
    assert "3 notices dismissed." in after.text(".govuk-notification-banner")
    assert "You have no notices." in after.text("main")
    db.session.refresh(theirs)
    assert theirs.dismissed_at is None
    assert db.session.scalar(sa.select(sa.func.count(Reminder.id)).where(
        Reminder.recipient_id == owner.id, Reminder.dismissed_at.is_(None))) == 0


def test_a_long_list_is_counted_only_up_to_the_cap(monkeypatch, call, owner, owner_client,
                                                   partnership):
    monkeypatch.setattr("tracker.views.notices.COUNT_CAP", 3)
    for _ in range(5):
        make_notice(owner, partnership)
    page = call(owner_client, "notices.index")
    assert len(rows(page)) == 5
    button = page.html.select_one("form[action='/notices/dismiss-all'] button")
    assert button.get_text(strip=True) == "Dismiss all notices"


def test_dismissing_on_a_later_page_comes_back_to_that_page(app, call, owner, owner_client,
                                                            partnership):
    for _ in range(app.config["PAGE_SIZE"] + 3):
        make_notice(owner, partnership)
    second = call(owner_client, "notices.index", page=2)
    notice_id = int(rows(second)[0]["id"].removeprefix("notice-"))
    token = csrf_token_from(owner_client.get("/notices").get_data(as_text=True))
    response = owner_client.post(f"/notices/{notice_id}/dismiss",
                                 data={"csrf_token": token, "page": "2"})
    assert response.location.endswith("/notices?page=2")


def test_the_count_is_on_error_pages_too(call, owner, owner_client, partnership):
    make_notice(owner, partnership)
    page = call(owner_client, "reviews.incident", incident_id=987654, status=404)
    assert page.text("#notices-link") == "Notices (1)"
