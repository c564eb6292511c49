"""The inquest, a prevention of future deaths report, the key worker, bereavement support."""

from datetime import date

import pytest
import sqlalchemy as sa

from cdr.models import ChildDeathCase
from tests.cdr.factories import make_case
from tracker.audit import AuditEvent
from tracker.extensions import db

DIED = date(2025, 3, 1)  # make_case's date of death
TODAY = date(2025, 9, 1)


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(TODAY)


def _date(day):
    return [str(day.day), str(day.month), str(day.year)] if day else ["", "", ""]


def _version(case):
    db.session.refresh(case)
    return case.version


FULL = {
    "inquest_on": date(2025, 8, 20),
    "inquest_conclusion": "Natural causes",
    "pfd_report_on": date(2025, 8, 27),
    "pfd_report_concerns": "Sent to the hospital trust: review out-of-hours paediatric cover",
    "key_worker_name": "Sam Carter",
    "key_worker_agency": "Northshire Children's Hospital bereavement team",
    "family_information_offered_on": date(2025, 3, 4),
    "bereavement_support_offered": "yes",
    "bereavement_support_details": "Referral to a local child bereavement charity",
}


def _save(call, client, case, status=302, **changes):
    values = {**FULL, **changes}
    data = {name: (_date(value) if name.endswith("_on") else (value or ""))
            for name, value in values.items()}
    return call(client, "cdr.inquest_and_family_support", status=status,
                data={**data, "version": _version(case)}, case_id=case.id)


def _stored(case):
    db.session.expire_all()
    return db.session.get(ChildDeathCase, case.id)


def test_every_field_is_saved_and_shown_on_the_case_page(cdop_client, partnership, call):
    case = make_case(partnership)
    page = call(cdop_client, "cdr.case", case_id=case.id)
    assert "Not recorded" in page.text("#inquest-summary")

    _save(call, cdop_client, case)

    stored = _stored(case)
    assert {name: getattr(stored, name) for name in FULL} == FULL
    summary = call(cdop_client, "cdr.case", case_id=case.id).text("#inquest-summary")
    for shown in ("20 August 2025", "Natural causes",
                  "27 August 2025: Sent to the hospital trust: review out-of-hours paediatric "
                  "cover", "Sam Carter, Northshire Children's Hospital bereavement team",
                  "4 March 2025", "Yes: Referral to a local child bereavement charity"):
        assert shown in summary


def test_the_form_opens_with_what_is_saved(cdop_client, partnership, call):
    case = make_case(partnership)
    _save(call, cdop_client, case)

    page = call(cdop_client, "cdr.inquest_and_family_support", case_id=case.id)

    assert page.html.select_one("#key_worker_name")["value"] == "Sam Carter"
    assert page.html.select_one("input[name=bereavement_support_offered][checked]")[
        "value"] == "yes"
    assert page.text("#pfd_report_concerns").startswith("Sent to the hospital trust")


def test_a_save_is_audited_and_on_the_timeline(cdop_client, partnership, call):
    case = make_case(partnership)

    _save(call, cdop_client, case)

    events = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == "ChildDeathCase", AuditEvent.object_id == str(case.id),
        AuditEvent.action == "update")).all()
    changed = {key for event in events for key in (event.changes or {})}
    assert set(FULL) <= changed
    timeline = call(cdop_client, "cdr.case", case_id=case.id).text("#timeline + ol")
    assert "Inquest and family support changed: inquest date, inquest conclusion" in timeline


def test_an_inquest_to_come_is_saved_without_a_conclusion(cdop_client, partnership, call):
    case = make_case(partnership)

    _save(call, cdop_client, case, inquest_on=date(2025, 11, 3), inquest_conclusion=None,
          pfd_report_on=None, pfd_report_concerns=None)

    assert _stored(case).inquest_on == date(2025, 11, 3)


def test_everything_can_be_left_blank(cdop_client, partnership, call):
    case = make_case(partnership)
    _save(call, cdop_client, case)

    _save(call, cdop_client, case, **{name: None for name in FULL})

    stored = _stored(case)
    assert all(getattr(stored, name) is None for name in FULL)


@pytest.mark.parametrize(("changes", "message"), [
    ({"inquest_on": date(2025, 2, 28)},
     "Date of the inquest must be on or after the date of death (1 March 2025)"),
    ({"inquest_on": None}, "Enter the date of the inquest"),
    ({"inquest_on": date(2025, 11, 3)},
     "The inquest is on a date to come, so it has no conclusion yet: enter the conclusion "
     "once it is held"),
    ({"pfd_report_on": None}, "Enter the date of the prevention of future deaths report"),
    ({"pfd_report_concerns": None}, "Enter what the prevention of future deaths report asked"),
    ({"pfd_report_on": date(2025, 9, 2)},
     "Date of the prevention of future deaths report must be today or in the past"),
    ({"key_worker_agency": None}, "Enter the key worker's name and agency"),
    ({"key_worker_name": None}, "Enter the key worker's name and agency"),
    ({"family_information_offered_on": date(2025, 2, 1)},
     "The date information was offered to the family must be on or after the date of death "
     "(1 March 2025)"),
    ({"family_information_offered_on": date(2025, 9, 2)},
     "The date information was offered to the family must be today or in the past"),
    ({"bereavement_support_offered": "no"},
     "Select \u2018Yes\u2019 if bereavement support was offered, or leave what was offered "
     "blank"),
    ({"bereavement_support_offered": "perhaps"},
     "Select an answer to: was bereavement support offered to the family?"),
    ({"key_worker_name": "x" * 201}, "Key worker's name must be 200 characters or fewer"),
    ({"inquest_on": ["31", "2", "2025"]}, "Date of the inquest must be a real date"),
])
def test_wrong_answers_are_refused_and_nothing_is_saved(cdop_client, partnership, call,
                                                        changes, message):
    case = make_case(partnership)
    raw = changes.get("inquest_on")
    if isinstance(raw, list):  # a date the form cannot read: posted as typed
        changes = {**changes, "inquest_on": None}

    values = {**FULL, **changes}
    data = {name: (_date(value) if name.endswith("_on") else (value or ""))
            for name, value in values.items()}
    if isinstance(raw, list):
        data["inquest_on"] = raw
    page = call(cdop_client, "cdr.inquest_and_family_support", status=400,
                data={**data, "version": _version(case)}, case_id=case.id)

    assert page.errors == [message]
    stored = _stored(case)
    assert all(getattr(stored, name) is None for name in FULL)


def test_a_save_on_an_older_version_is_refused(cdop_client, doctor_client, partnership, call):
    case = make_case(partnership)
    url = f"/child-deaths/{case.id}/inquest-and-family-support"
    opened = cdop_client.get(url).get_data(as_text=True)
    _save(call, doctor_client, case, key_worker_name="Alex Doe", key_worker_agency="Police")

    from tests.conftest import csrf_token_from

    data = {name: (_date(value) if name.endswith("_on") else (value or ""))
            for name, value in FULL.items()}
    response = cdop_client.post(url, data={**data, "version": "1",
                                           "csrf_token": csrf_token_from(opened)})

    assert response.status_code == 409
    assert _stored(case).key_worker_name == "Alex Doe"


def test_only_users_who_may_edit_change_it(auditor_client, panel_client, cdop_client,
                                           partnership, call):
    case = make_case(partnership)
    for client in (auditor_client, panel_client):
        call(client, "cdr.inquest_and_family_support", status=403, case_id=case.id)
    page = call(auditor_client, "cdr.case", case_id=case.id)
    assert "Inquest and family support" in page.text("#inquest")
    assert page.html.select(f"a[href='/child-deaths/{case.id}/inquest-and-family-support']") \
        == []
    assert call(cdop_client, "cdr.case", case_id=case.id).html.select(
        f"a[href='/child-deaths/{case.id}/inquest-and-family-support']")


def test_another_partnerships_case_answers_404(cdop_client, other_partnership, call):
    theirs = make_case(other_partnership)
    call(cdop_client, "cdr.inquest_and_family_support", status=404, case_id=theirs.id)
