"""The agency directory: agencies and their contacts, per partnership, for CDOP
administrators and the business unit; audited; importable from a spreadsheet."""

import pytest
import sqlalchemy as sa

from tests.conftest import sign_in
from tests.factories import make_user
from tests.import_files import confirm, problems, upload, workbook
from tracker.agencies import AgencyContact, DirectoryAgency
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.roles import Role

HEADERS = ["Agency", "Agency type", "Contact name", "Contact role", "Work e-mail",
           "Escalation contact"]


def _agencies():
    return db.session.scalars(sa.select(DirectoryAgency).order_by(DirectoryAgency.id)).all()


def _add_agency(call, client, name="Northshire Police", kind="police"):
    return call(client, "agencies.new", status=302, data={"name": name, "kind": kind})


def _add_contact(call, client, agency, status=302, **fields):
    data = {"name": "Sam Carter", "role": "Safeguarding lead",
            "email": "Sam.Carter@police.example", **fields}
    return call(client, "agencies.new_contact", status=status, data=data, agency_id=agency.id)


@pytest.mark.parametrize("client_name", ["cdop_client", "business_client"])
def test_cdop_administrators_and_the_business_unit_keep_the_directory(
        request, call, partnership, client_name):
    client = request.getfixturevalue(client_name)
    _add_agency(call, client)
    agency = _agencies()[0]
    assert (agency.partnership_id, agency.kind) == (partnership.id, "police")
    _add_contact(call, client, agency, escalation="y")
    shown = call(client, "agencies.show", agency_id=agency.id)
    assert "sam.carter@police.example" in shown.text("#agency-contacts")
    assert "Escalation contact" in shown.text("#agency-contacts")
    listed = call(client, "agencies.index")
    assert "Northshire Police" in listed.text("#agency-directory")
    assert "Sam Carter" in listed.text("#agency-directory")


@pytest.mark.parametrize("client_name", ["doctor_client", "panel_client", "auditor_client",
                                         "admin_client"])
def test_other_roles_may_not_open_the_directory(request, call, client_name):
    call(request.getfixturevalue(client_name), "agencies.index", status=403)


def test_another_partnerships_agency_is_not_found(app, call, cdop_client, other_partnership):
    other = DirectoryAgency(partnership_id=other_partnership.id, name="Elsewhere School",
                            name_key="elsewhere school", kind="school")
    db.session.add(other)
    db.session.commit()
    call(cdop_client, "agencies.show", status=404, agency_id=other.id)
    call(cdop_client, "agencies.edit", status=404, agency_id=other.id)
    call(cdop_client, "agencies.new_contact", status=404, agency_id=other.id)
    assert "Elsewhere School" not in call(cdop_client, "agencies.index").text()


def test_a_name_the_directory_has_is_refused_however_typed(call, cdop_client):
    _add_agency(call, cdop_client)
    refused = call(cdop_client, "agencies.new", status=400,
                   data={"name": "  northshire   POLICE ", "kind": "police"})
    assert refused.errors == ["The directory already has an agency called Northshire Police"]
    assert len(_agencies()) == 1


def test_bad_answers_get_an_error_summary_and_nothing_is_saved(call, cdop_client):
    refused = call(cdop_client, "agencies.new", status=400, data={"name": "", "kind": ""})
    assert refused.errors == ["Enter the agency's name", "Select the type of agency"]
    _add_agency(call, cdop_client)
    agency = _agencies()[0]
    bad = _add_contact(call, cdop_client, agency, status=400, email="not an address")
    assert bad.errors == ["Enter a work e-mail address in the correct format, like "
                          "name@example.org"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgencyContact)) == 0


def test_one_escalation_contact_and_one_contact_an_address(call, cdop_client):
    _add_agency(call, cdop_client)
    agency = _agencies()[0]
    _add_contact(call, cdop_client, agency, escalation="y")
    second = _add_contact(call, cdop_client, agency, status=400, name="Alex Other",
                          email="alex@police.example", escalation="y")
    assert second.errors == ["Sam Carter is already Northshire Police's escalation contact: "
                             "change theirs first"]
    same = _add_contact(call, cdop_client, agency, status=400, name="Alex Other",
                        email="SAM.CARTER@police.example")
    assert same.errors == ["Northshire Police already has a contact with the e-mail address "
                           "sam.carter@police.example"]


def test_changes_are_audited(call, cdop_client):
    _add_agency(call, cdop_client)
    agency = _agencies()[0]
    _add_contact(call, cdop_client, agency)
    contact = db.session.scalars(sa.select(AgencyContact)).one()
    call(cdop_client, "agencies.edit_contact", status=302, agency_id=agency.id,
         contact_id=contact.id, data={"name": "Sam Carter", "role": "",
                                      "email": "sam.new@police.example"})
    rows = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type.in_(["DirectoryAgency", "AgencyContact"]))
        .order_by(AuditEvent.id)).all()
    assert [(row.action, row.object_type) for row in rows] == [
        ("create", "DirectoryAgency"), ("create", "AgencyContact"),
        ("update", "AgencyContact")]
    assert "sam.new@police.example" in str(rows[-1].changes)


def test_a_stale_edit_is_refused(app, call, cdop_client, partnership):
    _add_agency(call, cdop_client)
    agency = _agencies()[0]
    html = cdop_client.get(f"/agencies/{agency.id}/edit").get_data(as_text=True)
    agency.kind = "other"  # another user's save
    db.session.commit()
    from tests.conftest import csrf_token_from, version_from

    response = cdop_client.post(f"/agencies/{agency.id}/edit", data={
        "name": "Renamed", "kind": "police", "csrf_token": csrf_token_from(html),
        **version_from(html, f"/agencies/{agency.id}/edit")})
    assert response.status_code == 409
    db.session.expire_all()
    assert (agency.name, agency.kind) == ("Northshire Police", "other")


def test_a_directory_imports_from_a_spreadsheet(call, cdop_client, partnership):
    _add_agency(call, cdop_client, name="Northshire Police")
    data = workbook(HEADERS, [
        ["Northshire police", "Police", "Alex Desk", "", "alex@police.example", "Yes"],
        ["Hill Surgery", "GP practice", "Dr Jo Hill", "GP", "jo@hill.example", "No"],
        ["hill surgery", "GP practice", "Pat Manager", "Practice manager",
         "pat@hill.example", ""],
    ], title="Agency directory")
    preview = upload(cdop_client, "agencies", data)
    assert preview.status_code == 200, problems(preview)
    assert confirm(cdop_client, "agencies", preview).status_code == 302
    agencies = {agency.name: agency for agency in _agencies()}
    assert set(agencies) == {"Northshire Police", "Hill Surgery"}
    assert agencies["Hill Surgery"].kind == "gp"
    contacts = db.session.scalars(sa.select(AgencyContact).order_by(AgencyContact.id)).all()
    assert [(c.agency_id, c.email, c.escalation) for c in contacts] == [
        (agencies["Northshire Police"].id, "alex@police.example", True),
        (agencies["Hill Surgery"].id, "jo@hill.example", False),
        (agencies["Hill Surgery"].id, "pat@hill.example", False)]


def test_an_import_lists_every_problem_by_row_and_column(call, cdop_client):
    _add_agency(call, cdop_client)
    agency = _agencies()[0]
    _add_contact(call, cdop_client, agency, escalation="y")
    data = workbook(HEADERS, [
        ["Northshire Police", "Police", "Alex Desk", "", "sam.carter@police.example", ""],
        ["Northshire Police", "Police", "Bo Desk", "", "bo@police.example", "Yes"],
        ["Hill Surgery", "Spaceship", "", "", "not-an-address", ""],
        ["Hill Surgery", "GP practice", "Jo", "", "jo@hill.example", "Yes"],
        ["Hill Surgery", "GP practice", "Jo again", "", "JO@hill.example", "Yes"],
    ], title="Agency directory")
    preview = upload(cdop_client, "agencies", data)
    assert preview.status_code == 400
    found = problems(preview)
    rows = {(row, column) for row, column, _ in found}
    assert ("2", "Work e-mail") in rows  # the directory has that address already
    assert ("3", "Escalation contact") in rows  # the agency has an escalation contact
    assert {("4", "Agency type"), ("4", "Contact name"), ("4", "Work e-mail")} <= rows
    assert ("6", "Work e-mail") in rows  # the same as row 5
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgencyContact)) == 1


def test_the_import_is_offered_only_to_who_keeps_the_directory(app, partnership):
    client = app.test_client()
    sign_in(client, make_user(Role.DESIGNATED_DOCTOR, [partnership]).email)
    assert client.get("/imports/agencies").status_code == 403


def test_an_import_into_one_partnership_ignores_another_partnerships_directory(
        app, partnership, other_partnership):
    # Someone working for two partnerships: the other's police contact is not this one's.
    user = make_user(Role.CDOP_ADMIN, [partnership, other_partnership])
    police = DirectoryAgency(partnership_id=other_partnership.id, name="Northshire Police",
                             name_key="northshire police", kind="police")
    db.session.add_all([police, AgencyContact(
        agency=police, partnership_id=other_partnership.id, name="Sam", escalation=True,
        email="sam@police.example")])
    db.session.commit()
    client = app.test_client()
    sign_in(client, user.email)
    data = workbook(HEADERS, [["Northshire Police", "Police", "Sam", "",
                               "sam@police.example", "Yes"]], title="Agency directory")

    preview = upload(client, "agencies", data, partnership=str(partnership.id))

    assert preview.status_code == 200, problems(preview)
    assert confirm(client, "agencies", preview).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgencyContact).where(
        AgencyContact.partnership_id == partnership.id)) == 1


def test_the_directory_costs_the_same_queries_empty_or_full(call, cdop_client):
    from tests.tracker.test_audit import count_queries

    def queries():
        with count_queries() as statements:
            assert cdop_client.get("/agencies/").status_code == 200
        return len(statements)

    queries()
    empty = queries()
    for name in ("Northshire Police", "Hill Surgery", "Northshire School"):
        _add_agency(call, cdop_client, name=name)
    _add_contact(call, cdop_client, _agencies()[0])
    queries()  # after a save the test's session reloads the user's partnerships once
    assert queries() == empty
