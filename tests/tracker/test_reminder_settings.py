"""Your reminder settings (digest or immediate, a pause on leave) and the manager flag that
escalations go to, set by a system administrator."""

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_token_from, page, sign_in
from tests.factories import make_partnership, make_user
from tests.reviews.factories import make_incident
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.mail import OutboundEmail
from tracker.models import User
from tracker.reminders.models import Reminder
from tracker.reminders.passes import run_pass
from tracker.roles import Role

TODAY = date(2026, 12, 4)


@pytest.fixture(autouse=True)
def fixed_today(clock):
    """The settings page's 'today' (a pause must end today or later)."""
    clock.set(TODAY)


def settings(email="digest", paused=("", "", "")):
    day, month, year = paused
    return {"reminder_email": email, "email_paused_until": [day, month, year]}


def run(day):
    return run_pass(day, datetime(day.year, day.month, day.day, 8), send=False)


def latest_update(user):
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "User",
                                    AuditEvent.object_id == str(user.id),
                                    AuditEvent.action == "update")
        .order_by(AuditEvent.id.desc())).first()


# Your reminder settings ---------------------------------------------------------------------


def test_the_settings_page_is_linked_from_the_header_for_roles_that_get_reminders(
        call, business_client, admin_client, panel_client):
    link = call(business_client, "main.home").html.find("a", string="Reminder settings")
    assert link["href"] == "/account/reminders"
    assert call(admin_client, "main.home").html.find("a", string="Reminder settings") is None
    call(admin_client, "account.reminders", status=403)
    call(panel_client, "account.reminders", status=403)


def test_a_daily_digest_is_the_default(call, business_client):
    form = call(business_client, "account.reminders").html
    assert form.find("input", attrs={"name": "reminder_email", "checked": True})["value"] == (
        "digest")
    assert [box.get("value", "") for box in form.select("input[name=email_paused_until]")] == [
        "", "", ""]


def test_choosing_immediate_e_mail_and_a_pause_is_saved_and_audited(call, business_client):
    user = business_client.user
    result = call(business_client, "account.reminders", status=302,
                  data=settings("immediate", ("8", "1", "2027")))
    assert result.response.location.endswith("/account/reminders")
    db.session.refresh(user)
    assert (user.reminder_email, user.email_paused_until) == ("immediate", date(2027, 1, 8))
    shown = call(business_client, "account.reminders")
    assert "paused until 8 January 2027" in shown.text(".govuk-notification-banner")
    assert "Reminder e-mails are paused until 8 January 2027" in shown.text(".govuk-inset-text")
    changes = latest_update(user).changes
    assert changes["reminder_email"] == ["digest", "immediate"]
    assert changes["email_paused_until"] == [None, "2027-01-08"]


def test_clearing_the_date_ends_the_pause(call, business_client):
    user = business_client.user
    user.email_paused_until = date(2027, 1, 8)
    db.session.commit()
    call(business_client, "account.reminders", status=302, data=settings())
    db.session.refresh(user)
    assert user.email_paused_until is None


@pytest.mark.parametrize(("paused", "message"), [
    (("3", "12", "2026"), "Pause reminder e-mails until must be today or in the future"),
    (("1", "1", "2028"), "Pause reminder e-mails until must be no later than 5 December 2027"),
    (("31", "2", "2027"), "Pause reminder e-mails until must be a real date"),
    (("8", "", "2027"), "Pause reminder e-mails until must include a month"),
])
def test_a_bad_pause_date_is_refused_and_nothing_is_saved(call, business_client, paused,
                                                          message):
    result = call(business_client, "account.reminders", status=400,
                  data=settings("immediate", paused))
    assert result.errors == [message]
    user = db.session.get(User, business_client.user.id)
    db.session.refresh(user)
    assert (user.reminder_email, user.email_paused_until) == ("digest", None)


def test_a_missing_or_unknown_choice_is_refused(call, business_client):
    assert call(business_client, "account.reminders", status=400,
                data={"email_paused_until": ["", "", ""]}).errors == [
        "Select how you want reminders by e-mail"]
    assert call(business_client, "account.reminders", status=400,
                data=settings("hourly")).errors == ["Select how you want reminders by e-mail"]


def test_while_paused_notices_continue_but_no_e_mail_goes(call, business_client, partnership):
    owner = business_client.user
    make_incident(partnership, la_aware_on=date(2026, 12, 7), incident_date=date(2026, 12, 5),
                  owner_id=owner.id)
    call(business_client, "account.reminders", status=302,
         data=settings("digest", ("31", "12", "2026")))
    run(date(2026, 12, 10))
    notices = call(business_client, "notices.index").html.select("#notices tbody tr")
    assert len(notices) == 2
    assert db.session.scalar(sa.select(sa.func.count(OutboundEmail.id))) == 0


def test_immediate_e_mail_sends_one_e_mail_per_reminder(call, business_client, partnership):
    owner = business_client.user
    make_incident(partnership, la_aware_on=date(2026, 12, 7), incident_date=date(2026, 12, 5),
                  owner_id=owner.id)
    call(business_client, "account.reminders", status=302, data=settings("immediate"))
    run(date(2026, 12, 10))
    kinds = db.session.scalars(sa.select(OutboundEmail.kind)).all()
    assert kinds == ["reminder", "reminder"]


# The manager flag ---------------------------------------------------------------------------


def edit_data(user, **changes):
    data = {"full_name": user.full_name, "role": user.role, "active": "yes",
            "partnerships": [str(p.id) for p in user.partnerships]}
    return {**data, **changes}


def test_an_administrator_makes_a_user_a_manager_who_gets_escalations(
        call, admin_client, partnership):
    owner = make_user(Role.BUSINESS_UNIT, [partnership])
    manager = make_user(Role.BUSINESS_UNIT, [partnership])
    form = call(admin_client, "users.edit", user_id=manager.id).html
    box = form.find("input", attrs={"name": "receives_escalations"})
    assert form.find("label", attrs={"for": box["id"]}).get_text(strip=True) == (
        "Receives escalations of overdue deadlines")
    assert not box.has_attr("checked")
    call(admin_client, "users.edit", user_id=manager.id, status=302,
         data=edit_data(manager, receives_escalations="y"))
    db.session.refresh(manager)
    assert manager.receives_escalations is True
    assert latest_update(manager).changes["receives_escalations"] == [False, True]
    form = call(admin_client, "users.edit", user_id=manager.id).html
    assert form.find("input", attrs={"name": "receives_escalations"}).has_attr("checked")
    # The Panel notification is due on 14 December; 5 working days overdue is the 21st.
    make_incident(partnership, la_aware_on=date(2026, 12, 7), incident_date=date(2026, 12, 5),
                  owner_id=owner.id)
    run(date(2026, 12, 21))
    escalated = db.session.scalars(sa.select(Reminder).where(
        Reminder.recipient_id == manager.id)).all()
    assert {r.stage for r in escalated} == {"escalation"}


def test_unticking_the_flag_stops_escalations(call, admin_client, partnership):
    manager = make_user(Role.BUSINESS_UNIT, [partnership], receives_escalations=True)
    call(admin_client, "users.edit", user_id=manager.id, status=302, data=edit_data(manager))
    db.session.refresh(manager)
    assert manager.receives_escalations is False


def test_a_new_user_can_be_added_as_a_manager(call, admin_client, partnership):
    call(admin_client, "users.new", status=302, data={
        "email": "manager@example.org", "full_name": "Morgan Manager", "role": "business_unit",
        "partnerships": [str(partnership.id)], "receives_escalations": "y",
        "password": "orange kettle violin seventeen"})
    user = db.session.scalar(sa.select(User).where(User.email == "manager@example.org"))
    assert user.receives_escalations is True


def test_the_flag_of_a_user_shared_with_another_partnership_is_refused(
        app, call, partnership):
    elsewhere = make_partnership(code="SVP", name="Southvale Partnership")
    admin = make_user(Role.SYSTEM_ADMIN, [partnership])
    client = app.test_client()
    assert sign_in(client, admin.email).status_code == 302
    shared = make_user(Role.BUSINESS_UNIT, [partnership, elsewhere])
    data = edit_data(shared, partnerships=[str(partnership.id)], receives_escalations="y")
    token = csrf_token_from(client.get(f"/users/{shared.id}/edit").get_data(as_text=True))
    response = client.post(f"/users/{shared.id}/edit", data={**data, "csrf_token": token})
    assert response.status_code == 400
    summary = page(response).select_one(".govuk-error-summary").get_text(" ", strip=True)
    assert ("You cannot change the escalations of a user who also works for a partnership "
            "you are not part of") in summary
    db.session.refresh(shared)
    assert shared.receives_escalations is False
