"""Who is reminded in child death reviews: the account to remind on a panel action, and the
case owner, both chosen through the web forms with CSRF."""

from datetime import date

import pytest
import sqlalchemy as sa

from cdr.models import CaseAction, ChildDeathCase
from tests.cdr.factories import make_case
from tests.factories import make_user
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.reminders.passes import run_pass
from tracker.roles import Role

TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def frozen_today(clock):
    clock.set(TODAY)


@pytest.fixture
def accounts(partnership, other_partnership):
    return {
        "doctor": make_user(Role.DESIGNATED_DOCTOR, [partnership], full_name="Dr Dee Octor"),
        "panel": make_user(Role.PANEL_MEMBER, [partnership], full_name="Pat Panel"),
        "business": make_user(Role.BUSINESS_UNIT, [partnership], full_name="Bea Unit"),
        "auditor": make_user(Role.AUDITOR, [partnership], full_name="Aud Itor"),
        "outsider": make_user(Role.CDOP_ADMIN, [other_partnership], full_name="Out Sider"),
        "inactive": make_user(Role.CDOP_ADMIN, [partnership], full_name="Gone Away",
                              active=False),
    }


def _options(page, name):
    return {option.get_text(strip=True).split(" (")[0]: option["value"]
            for option in page.html.select(f"select[name={name}] option")}


def _action(call, client, case, status=302, **extra):
    return call(client, "cdr.new_case_action", case_id=case.id, status=status, data={
        "description": "Audit referral letters", "owner": "Northshire ICB",
        "due_on": ["1", "3", "2026"], **extra})


# --- The account to remind about an action ---------------------------------------------------


def test_the_account_to_remind_lists_who_may_act_on_child_death_cases(
        cdop_client, partnership, accounts, call):
    case = make_case(partnership)

    page = call(cdop_client, "cdr.new_case_action", case_id=case.id)

    options = _options(page, "reminded")
    # Not the read-only auditor: a reminder asks its reader to act.
    assert options == {"The case owner": "", "Dr Dee Octor": str(accounts["doctor"].id),
                       cdop_client.user.full_name: str(cdop_client.user.id)}


def test_an_action_reminds_the_chosen_account_and_the_page_says_so(
        cdop_client, partnership, accounts, call):
    case = make_case(partnership, owner_id=cdop_client.user.id)
    doctor = accounts["doctor"]

    _action(call, cdop_client, case, reminded=str(doctor.id))

    action = db.session.scalar(sa.select(CaseAction))
    assert action.owner_user_id == doctor.id
    row = call(cdop_client, "cdr.case", case_id=case.id).text("#actions-table tbody tr")
    assert "Northshire ICB Reminders to Dr Dee Octor" in row
    reminded = {line["recipient_id"] for line in run_pass(TODAY, send=False).claimed
                if line["step"] == "Action agreed at the CDOP panel review"}
    assert reminded == {doctor.id}


def test_without_an_account_the_action_reminds_the_case_owner(cdop_client, partnership, call):
    case = make_case(partnership, owner_id=cdop_client.user.id)

    _action(call, cdop_client, case)

    assert db.session.scalar(sa.select(CaseAction)).owner_user_id is None
    reminded = {line["recipient_id"] for line in run_pass(TODAY, send=False).claimed
                if line["step"] == "Action agreed at the CDOP panel review"}
    assert reminded == {cdop_client.user.id}


@pytest.mark.parametrize("who", ["outsider", "panel", "business", "inactive", "auditor"])
def test_an_account_that_may_not_be_reminded_is_refused(cdop_client, partnership, accounts,
                                                        call, who):
    case = make_case(partnership)

    page = _action(call, cdop_client, case, status=400, reminded=str(accounts[who].id))

    assert page.errors == ["Select an account from the list"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseAction)) == 0


def test_an_action_without_a_csrf_token_is_refused(cdop_client, partnership, accounts):
    case = make_case(partnership)
    response = cdop_client.post(f"/child-deaths/{case.id}/actions/new", data={
        "description": "Audit", "owner": "ICB", "due_on": ["1", "3", "2026"],
        "reminded": str(accounts["doctor"].id)})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseAction)) == 0


# --- The case owner ------------------------------------------------------------------------


def _owner_page(call, client, case, status=200):
    return call(client, "cdr.case_owner_form", case_id=case.id, status=status)


def _set_owner(call, client, case, user_id, status=302, version=None):
    if version is None:
        db.session.refresh(case)
        version = case.version
    return call(client, "cdr.case_owner_form", case_id=case.id, status=status,
                data={"owner": str(user_id), "version": version})


def test_the_case_page_shows_the_owner_and_the_owner_can_be_changed(
        cdop_client, partnership, accounts, call):
    case = make_case(partnership, owner_id=cdop_client.user.id)
    page = call(cdop_client, "cdr.case", case_id=case.id)
    owner = cdop_client.user.full_name
    assert page.text("#case-owner") == f"Case owner {owner} Change case owner"
    form = _owner_page(call, cdop_client, case)
    assert set(_options(form, "owner")) == {cdop_client.user.full_name, "Dr Dee Octor"}

    _set_owner(call, cdop_client, case, accounts["doctor"].id)

    page = call(cdop_client, "cdr.case", case_id=case.id)
    assert page.text("#case-owner").startswith("Case owner Dr Dee Octor")
    assert "Case owner: Dr Dee Octor" in page.text()
    change = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == "ChildDeathCase", AuditEvent.action == "update")).all()[-1]
    assert str(accounts["doctor"].id) in str(change.changes)
    assert db.session.get(ChildDeathCase, case.id).owner_id == accounts["doctor"].id


@pytest.mark.parametrize("who", ["outsider", "panel", "auditor", "business", "inactive"])
def test_an_owner_without_the_right_to_edit_child_death_cases_is_refused(
        cdop_client, partnership, accounts, call, who):
    case = make_case(partnership, owner_id=cdop_client.user.id)

    page = _set_owner(call, cdop_client, case, accounts[who].id, status=400)

    assert page.errors == ["Select an account from the list"]
    assert db.session.get(ChildDeathCase, case.id).owner_id == cdop_client.user.id


def test_a_stale_owner_change_is_refused(cdop_client, doctor_client, partnership, accounts,
                                         call):
    case = make_case(partnership, owner_id=cdop_client.user.id)
    db.session.refresh(case)
    opened_at = case.version
    _set_owner(call, doctor_client, case, accounts["doctor"].id)

    page = _set_owner(call, cdop_client, case, cdop_client.user.id, status=409,
                      version=opened_at)

    assert page.errors[0].startswith(f"{doctor_client.user.full_name} changed this case "
                                     "(Case owner) on ")
    assert db.session.get(ChildDeathCase, case.id).owner_id == accounts["doctor"].id


def test_only_editors_see_the_change_link_and_the_form(auditor_client, panel_client,
                                                       partnership, call):
    case = make_case(partnership)
    page = call(auditor_client, "cdr.case", case_id=case.id)
    assert page.text("#case-owner") == "Case owner Nobody"
    for client in (auditor_client, panel_client):
        _owner_page(call, client, case, status=403)


def test_another_partnerships_case_owner_form_is_not_found(cdop_client, other_partnership,
                                                           call):
    case = make_case(other_partnership)
    _owner_page(call, cdop_client, case, status=404)
