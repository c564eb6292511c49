"""Reminder policies per partnership: the table of every rule, changing one, resetting it."""

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from tests.factories import make_user
from tests.reviews.factories import make_incident
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.reminders.models import Reminder, ReminderPolicy
from tracker.reminders.passes import run_pass
from tracker.reminders.policy import DEFAULT_POLICY
from tracker.reminders.sources import policy_keys
from tracker.roles import Role

KEY = "panel_notification"
DEFAULTS = {"before_working_days": "2", "on_due": "yes", "overdue_daily_days": "5",
            "overdue_weekly": "yes", "escalate_after": "5"}


def policy_rows(partnership):
    return db.session.scalars(sa.select(ReminderPolicy).where(
        ReminderPolicy.partnership_id == partnership.id)).all()


def table(call, client, partnership):
    return call(client, "partnerships.reminders", code=partnership.code)


def save(call, client, partnership, status=302, key=KEY, **changes):
    return call(client, "partnerships.reminder_policy", code=partnership.code, policy_key=key,
                status=status, data={**DEFAULTS, **changes})


def test_the_table_lists_every_rule_and_action_with_its_policy(app, call, admin_client,
                                                                partnership):
    page = table(call, admin_client, partnership)
    rows = page.html.select("#reminder-policies tbody tr")
    keys = policy_keys(app)
    assert [row["id"].removeprefix("policy-") for row in rows] == list(keys)
    assert "cdr_action" in keys and "reviews_action" in keys
    first = rows[0].find_all("td")
    assert first[0].get_text(strip=True) == next(iter(keys.values()))
    assert first[1].get_text(strip=True) == DEFAULT_POLICY.describe()
    assert {row.select_one(".govuk-tag").get_text(strip=True) for row in rows} == {"Default"}


def test_the_table_is_reached_from_the_partnerships_settings(call, admin_client, partnership):
    show = call(admin_client, "partnerships.show", code=partnership.code)
    link = show.html.find("a", string=f"Reminder policies for {partnership.name}")
    assert link["href"] == f"/partnerships/{partnership.code}/reminders"


def test_changing_a_policy_saves_it_for_the_partnership_only_and_audits_it(
        call, admin_client, partnership, other_partnership):
    form = call(admin_client, "partnerships.reminder_policy", code=partnership.code,
                policy_key=KEY).html
    assert form.find("input", attrs={"name": "before_working_days"})["value"] == "2"
    save(call, admin_client, partnership, before_working_days="5", overdue_weekly="no",
         escalate_after="10")
    [row] = policy_rows(partnership)
    assert (row.before_working_days, row.on_due, row.overdue_daily_days, row.overdue_weekly,
            row.escalate_after) == (5, True, 5, False, 10)
    assert policy_rows(other_partnership) == []
    page = table(call, admin_client, partnership)
    assert "Notify the Child Safeguarding Practice Review Panel: 5 working days before" in (
        page.text(".govuk-notification-banner"))
    changed = page.html.select_one(f"#policy-{KEY}")
    assert changed.select_one(".govuk-tag").get_text(strip=True) == "Changed"
    assert changed.find_all("td")[1].get_text(strip=True) == (
        "5 working days before, on the due date, daily for 5 working days when overdue, "
        "escalated after 10 working days overdue")
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.object_type == "ReminderPolicy"))
    assert (event.action, event.partnership_id, event.object_label) == (
        "create", partnership.id, KEY)


def test_zero_switches_a_stage_off(call, admin_client, partnership):
    save(call, admin_client, partnership, before_working_days="0", on_due="no",
         overdue_daily_days="0", overdue_weekly="no", escalate_after="0")
    [row] = policy_rows(partnership)
    assert (row.before_working_days, row.escalate_after) == (None, None)
    assert row.policy.describe() == "No reminders"


def test_saving_the_default_values_goes_back_to_the_default(call, admin_client, partnership):
    save(call, admin_client, partnership, before_working_days="3")
    save(call, admin_client, partnership)
    assert policy_rows(partnership) == []


@pytest.mark.parametrize(("changes", "message"), [
    ({"before_working_days": ""}, "Enter the number of working days before the due date"),
    ({"before_working_days": "two"},
     "Working days before the due date must be a whole number, like 3"),
    ({"before_working_days": "21"}, "Working days before the due date must be between 0 and 20"),
    ({"overdue_daily_days": "-1"},
     "Working days of daily reminders when overdue must be a whole number, like 3"),
    ({"escalate_after": "121"},
     "Working days overdue before escalating to managers must be between 0 and 120"),
    ({"on_due": ""}, "Select whether to remind on the due date"),
    ({"overdue_weekly": "maybe"}, "Select whether to remind once a week while it is overdue"),
])
def test_bad_numbers_are_refused_with_nothing_saved(call, admin_client, partnership, changes,
                                                    message):
    page = save(call, admin_client, partnership, status=400, **changes)
    assert page.errors == [message]
    assert policy_rows(partnership) == []


def test_reset_to_default_deletes_the_partnerships_policy(call, admin_client, partnership):
    save(call, admin_client, partnership, before_working_days="4")
    row_id = policy_rows(partnership)[0].id
    link = table(call, admin_client, partnership).html.select(f"#policy-{KEY} a")[-1]
    assert link.get_text(" ", strip=True).startswith("Reset to default")
    confirm = call(admin_client, "partnerships.reset_reminder_policy", code=partnership.code,
                   policy_key=KEY)
    assert link["href"] == f"/partnerships/{partnership.code}/reminders/{KEY}/reset"
    assert "4 working days before" in confirm.text("main")
    call(admin_client, "partnerships.reset_reminder_policy", code=partnership.code,
         policy_key=KEY, data={}, status=302)
    assert policy_rows(partnership) == []
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.object_type == "ReminderPolicy", AuditEvent.action == "delete"))
    assert event.object_id == str(row_id)
    call(admin_client, "partnerships.reset_reminder_policy", code=partnership.code,
         policy_key=KEY, status=404)


def test_other_roles_partnerships_and_keys_are_refused(call, admin_client, cdop_client,
                                                       partnership, other_partnership):
    call(cdop_client, "partnerships.reminders", code=partnership.code, status=403)
    call(cdop_client, "partnerships.reminder_policy", code=partnership.code, policy_key=KEY,
         status=403)
    call(admin_client, "partnerships.reminders", code=other_partnership.code, status=404)
    call(admin_client, "partnerships.reminder_policy", code=other_partnership.code,
         policy_key=KEY, status=404)
    call(admin_client, "partnerships.reminder_policy", code=partnership.code,
         policy_key="no_such_rule", status=404)


def test_the_partnerships_policy_decides_when_the_pass_reminds(call, admin_client,
                                                               partnership):
    owner = make_user(Role.BUSINESS_UNIT, [partnership])
    # The Panel must be told by Monday 14 December; 5 working days before is the 7th.
    make_incident(partnership, la_aware_on=date(2026, 12, 7), incident_date=date(2026, 12, 5),
                  owner_id=owner.id)
    save(call, admin_client, partnership, before_working_days="5")
    run_pass(date(2026, 12, 7), datetime(2026, 12, 7, 8), send=False)
    reminded = db.session.scalars(sa.select(Reminder.policy_key).where(
        Reminder.recipient_id == owner.id)).all()
    assert reminded == [KEY]
