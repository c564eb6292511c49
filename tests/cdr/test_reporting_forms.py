"""Reporting forms (issue 24): each request asks an agency for the core reporting form or a
named supplementary reporting form; several agencies asked at once, a deadline each; the
export and the migration that keeps existing requests working."""

from datetime import date, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from cdr.models import REPORTING_FORMS, AgencyRequest, CaseAgency, ChildDeathCase
from cdr.services.requests import suggested_agencies
from tests.cdr.factories import make_case
from tests.cdr.test_requests import (
    add_request,
    as_form,
    edit_request,
    make_request,
    request_deadlines,
    requests_of,
    table_rows,
    timeline_lines,
)
from tests.migration_db import empty, own_database_app
from tests.workbooks import download, sheet_rows
from tracker.extensions import db

TODAY = date(2025, 4, 1)


@pytest.fixture(autouse=True)
def frozen_today(clock):
    """Every page in these tests runs on 1 April 2025."""
    clock.set(TODAY)


def form_fields(page, form="main form[method=post]") -> dict:
    """What the page's form posts as shown (ticked boxes only, each select's chosen option),
    as a browser would send it (`call` adds the CSRF token)."""
    found = page.html.select_one(form)
    data = {}
    for field in found.select("input[name]"):
        if field.get("type") == "checkbox" and not field.has_attr("checked"):
            continue
        if field["name"] != "csrf_token":
            data.setdefault(field["name"], []).append(field.get("value", ""))
    for select in found.select("select[name]"):
        chosen = select.select_one("option[selected]") or select.select_one("option")
        data[select["name"]] = chosen["value"]
    return data


def post_several(call, client, case, changes, status=302):
    """Open the page for several requests, change what `changes` says, and send it."""
    page = call(client, "cdr.several_requests", case_id=case.id)
    data = {**form_fields(page), **changes}
    return call(client, "cdr.several_requests", case_id=case.id, data=data, status=status)


# --- One request, one form -------------------------------------------------------------------


def test_the_request_form_offers_the_core_and_each_supplementary_form(cdop_client,
                                                                      partnership, call):
    case = make_case(partnership)

    page = call(cdop_client, "cdr.new_request", case_id=case.id)

    options = page.html.select("select[name=reporting_form] option")
    assert [option.get_text(strip=True) for option in options] == list(REPORTING_FORMS.values())
    assert [option["value"] for option in options if option.has_attr("selected")] == ["core"]
    assert "Supplementary reporting form: sudden unexpected death in infancy" in page.text()
    assert "Form B" not in page.text()


def test_a_request_is_for_the_form_chosen_and_says_so(cdop_client, partnership, call):
    case = make_case(partnership, date_of_death=date(2025, 3, 1))

    add_request(call, cdop_client, case, "Police", date(2025, 3, 3))
    call(cdop_client, "cdr.new_request", case_id=case.id, status=302,
         data={"agency": "Ambulance service", "reporting_form": "drowning",
               "sent_on": as_form(date(2025, 3, 4))})
    page = call(cdop_client, "cdr.case", case_id=case.id)

    assert [row[:2] for row in table_rows(page, "#request-table")] == [
        ["Police", "Core reporting form"],
        ["Ambulance service", "Supplementary reporting form: drowning"]]
    assert [r.reporting_form for r in requests_of(case)] == ["core", "drowning"]
    ambulance = requests_of(case)[1]
    assert page.text(f"#deadline-agency_information_request-{ambulance.id}").startswith(
        "Agencies return the reporting form: Ambulance service (supplementary reporting form: "
        "drowning)")
    assert timeline_lines(page)[0] == (
        "4 March 2025: Information requested from Ambulance service: supplementary reporting "
        "form: drowning (recorded 1 April 2025)")


def test_a_made_up_reporting_form_is_refused_and_nothing_is_saved(cdop_client, partnership,
                                                                  call):
    case = make_case(partnership)

    page = call(cdop_client, "cdr.new_request", case_id=case.id, status=400,
                data={"agency": "Police", "reporting_form": "form_b",
                      "sent_on": as_form(date(2025, 3, 3))})

    assert page.errors == ["Select a reporting form from the list"]
    assert page.html.select_one("#agency")["value"] == "Police"
    assert requests_of(case) == [] and request_deadlines() == []


def test_the_form_asked_for_can_be_changed(cdop_client, partnership, call):
    case = make_case(partnership)
    police = make_request(case, "Police", date(2025, 3, 3))

    form = call(cdop_client, "cdr.edit_request", case_id=case.id, request_id=police.id)
    assert form.html.select_one("select[name=reporting_form] option[selected]")["value"] == (
        "core")
    edit_request(call, cdop_client, case, police, reporting_form="sudi")

    db.session.expire_all()
    assert requests_of(case)[0].reporting_form == "sudi"
    page = call(cdop_client, "cdr.case", case_id=case.id)
    assert table_rows(page, "#request-table")[0][1] == (
        "Supplementary reporting form: sudden unexpected death in infancy")
    assert timeline_lines(page)[0] == "1 April 2025: Request to Police updated"
    # The deadline stays the request's own, from the date sent.
    (deadline,) = request_deadlines()
    assert deadline.due_date == date(2025, 3, 24)


# --- Several agencies at once ---------------------------------------------------------------


def test_suggested_agencies_are_the_cases_earlier_ones_once_each_in_the_order_first_asked(
        partnership):
    case = make_case(partnership)
    other = make_case(partnership)
    make_request(case, "Police", date(2025, 3, 3))
    make_request(case, "GP practice", date(2025, 3, 2))
    make_request(case, "Police", date(2025, 3, 5), reporting_form="sudi")
    make_request(other, "School", date(2025, 3, 3))

    assert suggested_agencies(case) == ["Police", "GP practice"]
    assert suggested_agencies(make_case(partnership)) == []


def test_suggested_agencies_start_with_those_involved_in_the_childs_life(partnership):
    case = make_case(partnership)
    make_request(case, "Police", date(2025, 3, 3))
    for name, kind in (("Riverside Surgery", "gp"), ("Police", "police")):
        db.session.add(CaseAgency(case_id=case.id, partnership_id=case.partnership_id,
                                  name=name, kind=kind, added_on=date(2025, 3, 2)))
    db.session.commit()

    assert suggested_agencies(case) == ["Riverside Surgery", "Police"]


def test_several_agencies_are_asked_at_once_each_with_its_own_deadline(cdop_client,
                                                                      partnership, call):
    case = make_case(partnership, date_of_death=date(2025, 3, 1))
    make_request(case, "Police", date(2025, 3, 3))
    make_request(case, "GP practice", date(2025, 3, 4))

    page = call(cdop_client, "cdr.several_requests", case_id=case.id)
    boxes = page.html.select("#suggested-agencies input[type=checkbox]")
    assert [page.html.select_one(f"label[for='{box['id']}']").get_text(strip=True)
            for box in boxes] == ["Police", "GP practice"]
    assert not any(box.has_attr("checked") for box in boxes)
    assert len(page.html.select("#typed-agencies input[type=text]")) == 5
    sent = post_several(call, cdop_client, case, {
        "suggested-1-asked": "y", "suggested-1-reporting_form": "sudi",
        "typed-0-agency": "Health visiting",
        "typed-1-agency": "School", "typed-1-reporting_form": "asthma_anaphylaxis",
        "sent_on": as_form(date(2025, 3, 25))})

    assert sent.response.headers["Location"].endswith(f"/child-deaths/{case.id}#information")
    added = requests_of(case)[2:]
    assert [(r.agency, r.reporting_form, r.sent_on) for r in added] == [
        ("GP practice", "sudi", date(2025, 3, 25)),
        ("Health visiting", "core", date(2025, 3, 25)),
        ("School", "asthma_anaphylaxis", date(2025, 3, 25))]
    assert {r.partnership_id for r in added} == {partnership.id}
    # A deadline each: 15 working days from the day sent.
    due = {d.owner_id: d.due_date for d in request_deadlines()}
    assert [due[r.id] for r in added] == [date(2025, 4, 15)] * 3
    case_page = call(cdop_client, "cdr.case", case_id=case.id)
    assert "3 requests added" in case_page.text(".govuk-notification-banner")
    assert [row[:3] for row in table_rows(case_page, "#request-table")][2:] == [
        ["GP practice", "Supplementary reporting form: sudden unexpected death in infancy",
         "25 March 2025"],
        ["Health visiting", "Core reporting form", "25 March 2025"],
        ["School", "Supplementary reporting form: asthma and anaphylaxis", "25 March 2025"]]
    assert "Information requested from School: supplementary reporting form: asthma and " \
           "anaphylaxis (recorded 1 April 2025)" in timeline_lines(case_page)[0]


def test_with_no_earlier_requests_the_page_asks_for_agencies_typed_in(cdop_client,
                                                                      partnership, call):
    case = make_case(partnership)

    page = call(cdop_client, "cdr.several_requests", case_id=case.id)

    assert page.html.select("#suggested-agencies") == []
    assert page.text("#typed-agencies legend") == "Agencies"
    post_several(call, cdop_client, case, {"typed-0-agency": "Police"})
    assert [(r.agency, r.reporting_form, r.sent_on) for r in requests_of(case)] == [
        ("Police", "core", TODAY)]


def test_one_agency_may_be_asked_for_two_forms_at_once(cdop_client, partnership, call):
    case = make_case(partnership)

    post_several(call, cdop_client, case, {
        "typed-0-agency": "Police", "typed-1-agency": "Police",
        "typed-1-reporting_form": "sudi"})

    assert [(r.agency, r.reporting_form) for r in requests_of(case)] == [
        ("Police", "core"), ("Police", "sudi")]
    assert len(request_deadlines()) == 2


@pytest.mark.parametrize(("changes", "message"), [
    ({}, "Select or enter at least one agency"),
    ({"typed-0-agency": "Police", "typed-2-agency": "police"},
     "police is asked for the core reporting form twice: ask for each form once"),
    ({"suggested-0-asked": "y", "typed-0-agency": "School"},
     "School is asked for the core reporting form twice: ask for each form once"),
    ({"typed-0-agency": "x" * 201}, "Agency must be 200 characters or fewer"),
    ({"typed-1-agency": "Police\nand school"},
     "Agency must be on one line, without line breaks, tabs or other control characters"),
    ({"typed-0-agency": "Police", "typed-0-reporting_form": "form_b"},
     "Select a reporting form from the list"),
    ({"typed-0-agency": "Police", "sent_on": ["", "", ""]},
     "Enter the date the request was sent"),
    ({"typed-0-agency": "Police", "sent_on": ["2", "4", "2025"]},
     "Date sent must be today or in the past"),
    ({"typed-0-agency": "Police", "sent_on": ["28", "2", "2025"]},
     "Date sent must be on or after the date of death, 1 March 2025"),
    ({"suggested-0-asked": "y", "suggested-0-agency": "Someone not suggested"},
     "Select agencies from the list"),
])
def test_a_bad_set_of_requests_is_refused_and_nothing_is_saved(cdop_client, partnership, call,
                                                               changes, message):
    case = make_case(partnership, date_of_death=date(2025, 3, 1))
    make_request(case, "School", date(2025, 3, 3))

    page = post_several(call, cdop_client, case, changes, status=400)

    assert page.errors == [message]
    # The summary links to the field the message is about, on the page.
    (link,) = page.html.select(".govuk-error-summary a")
    assert page.html.select_one(link["href"]) is not None
    # What was typed comes back.
    for name, value in changes.items():
        if name.startswith("typed-") and name.endswith("-agency"):
            assert page.html.select_one(f"input[name='{name}']")["value"] == value
    assert len(requests_of(case)) == 1 and len(request_deadlines()) == 1


def test_only_editors_of_the_partnership_ask_several_agencies(auditor_client, cdop_client,
                                                              partnership, other_partnership,
                                                              call):
    mine = make_case(partnership)
    theirs = make_case(other_partnership)

    call(auditor_client, "cdr.several_requests", case_id=mine.id, status=403)
    call(auditor_client, "cdr.several_requests", case_id=mine.id, status=403,
         data={"typed-0-agency": "Police", "sent_on": as_form(TODAY)}, form_page="main.home")
    call(cdop_client, "cdr.several_requests", case_id=theirs.id, status=404)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgencyRequest)) == 0
    page = call(auditor_client, "cdr.case", case_id=mine.id)
    assert "Request reporting forms from several agencies" not in page.text()


# --- Export -----------------------------------------------------------------------------------


def test_the_case_list_export_names_each_requests_form_and_the_information_complete_date(
        cdop_client, partnership):
    case = make_case(partnership, information_complete=True,
                     information_complete_on=date(2025, 3, 28))
    make_request(case, "Police", date(2025, 3, 3))
    make_request(case, "Ambulance service", date(2025, 3, 4), reporting_form="drowning")

    _, book = download(cdop_client, "/child-deaths/spreadsheet")

    assert [(r["Agency"], r["Reporting form"]) for r in sheet_rows(book, "Agency requests")] == [
        ("Police", "Core reporting form"),
        ("Ambulance service", "Supplementary reporting form: drowning")]
    (row,) = sheet_rows(book, "Cases")
    assert row["Information complete"] == "Yes"
    assert row["Information complete on"] == datetime(2025, 3, 28)


# --- The migration ----------------------------------------------------------------------------


def test_migration_0027_makes_existing_requests_core_and_dates_information_complete(tmp_path):
    """Existing requests were for the core reporting form; a case marked complete takes the
    day its timeline says so (the latest), one not complete no date; down and up again keep
    every request. On SQLite, and on PostgreSQL when the suite runs there."""
    app = own_database_app(tmp_path)
    case_sql = (
        "INSERT INTO cdr_case (id, partnership_id, reference, stage, date_of_death, "
        "notification_received_on, rules_edition, version, created_at, updated_at, "
        "age_uncertain, looked_after, child_protection_plan, known_to_social_care, "
        "abuse_or_neglect_suspected, coroner_investigating, post_mortem_ordered, "
        "jar_external_causes, jar_sudden_unexplained, jar_custody_or_detained, "
        "jar_suspicious, jar_unattended_stillbirth, jar_required, information_complete) "
        "VALUES (:id, 1, :reference, 'information', '2025-03-01', '2025-03-02', 'WT2023', 1, "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, false, false, false, false, false, false, "
        "false, false, false, false, false, false, false, :complete)")
    entry_sql = (
        "INSERT INTO timeline_entry (owner_type, owner_id, occurred_at, happened_on, kind, "
        "text, partnership_id) VALUES ('cdr_case', :case, CURRENT_TIMESTAMP, :on, "
        "'information', :text, 1)")
    marked, unmarked = "Information gathering marked complete", \
        "Information gathering marked as not complete"
    with app.app_context():
        empty(db.engine)
        upgrade(revision="0023_home_indexes")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO partnership (id, code, name, rules_version, "
                                 "created_at) VALUES (1, 'NSP', 'NSP', 0, CURRENT_TIMESTAMP)"))
            conn.execute(sa.text(case_sql), [
                {"id": 1, "reference": "CDOP-NSP-2025-0001", "complete": True},
                {"id": 2, "reference": "CDOP-NSP-2025-0002", "complete": False}])
            conn.execute(sa.text(entry_sql), [
                {"case": 1, "on": date(2025, 3, 20), "text": marked},
                {"case": 1, "on": date(2025, 3, 21), "text": unmarked},
                {"case": 1, "on": date(2025, 3, 25), "text": marked},
                {"case": 2, "on": date(2025, 3, 22), "text": marked},
                {"case": 2, "on": date(2025, 3, 23), "text": unmarked}])
            conn.execute(sa.text(
                "INSERT INTO cdr_agency_request (id, case_id, partnership_id, agency, sent_on, "
                "rules_edition, version) VALUES (1, 1, 1, 'Police', '2025-03-03', 'WT2023', "
                "1)"))
            conn.execute(sa.text(
                "INSERT INTO cdr_action (id, case_id, partnership_id, description, owner, "
                "completed_on) VALUES (1, 1, 1, 'Audit', 'ICB', '2025-03-30')"))
        upgrade(revision="0027_reporting_forms")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text(
                "SELECT agency, reporting_form FROM cdr_agency_request")).all() == [
                ("Police", "core")]
            dates = conn.execute(sa.text(
                "SELECT id, information_complete_on FROM cdr_case ORDER BY id")).all()
            assert [(i, str(on) if on else None) for i, on in dates] == [
                (1, "2025-03-25"), (2, None)]
            assert conn.execute(sa.text("SELECT evidence FROM cdr_action")).scalar() is None
        downgrade(revision="0023_home_indexes")
        with db.engine.connect() as conn:
            inspector = sa.inspect(conn)
            assert "reporting_form" not in {
                c["name"] for c in inspector.get_columns("cdr_agency_request")}
            assert "information_complete_on" not in {
                c["name"] for c in inspector.get_columns("cdr_case")}
            assert conn.execute(sa.text("SELECT agency FROM cdr_agency_request")).all() == [
                ("Police",)]
        upgrade(revision="0027_reporting_forms")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text(
                "SELECT reporting_form FROM cdr_agency_request")).scalar() == "core"
        empty(db.engine)
        db.engine.dispose()


def test_a_case_made_by_the_app_keeps_no_complete_date_until_marked(partnership):
    case = make_case(partnership)

    assert db.session.get(ChildDeathCase, case.id).information_complete_on is None
