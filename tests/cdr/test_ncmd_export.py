"""The NCMD export: the national forms' sheets checked cell by cell against the case, the data
dictionary, the period, the audit row, and no identifying value without the permission."""

from datetime import date, datetime, time

import pytest
import sqlalchemy as sa

from cdr.services import ncmd_export
from tests.cdr.factories import make_case
from tests.cdr.test_exports import IDENTIFYING, make_request
from tests.cdr.test_exports_libreoffice import convert, soffice  # noqa: F401 (a fixture)
from tests.factories import make_user
from tests.tracker.test_audit import count_queries
from tests.workbooks import download, sheet_rows, workbook_text
from tracker import roles
from tracker.audit import Action, AuditEvent
from tracker.extensions import db
from tracker.roles import Permission, Role

TODAY = date(2025, 6, 2)
SHEETS = ["About this file", "Notification form", "Reporting form", "Analysis form",
          "Data dictionary"]


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(TODAY)


@pytest.fixture
def case(partnership):
    """A reviewed case with two agencies asked, its notification sent to the NCMD."""
    found = make_case(
        partnership, date_of_death=date(2025, 1, 10), time_of_death=time(14, 5),
        notification_received_on=date(2025, 1, 11), place_of_death="other",
        place_of_death_other="Park", la_of_death="Southshire", death_expected="no",
        sex="male", age_at_death_days=200, post_mortem_ordered=True, jar_required=True,
        jar_sudden_unexplained=True, looked_after=True, review_meeting_on=date(2025, 3, 1),
        review_completed_on=date(2025, 4, 1), closed_on=date(2025, 4, 1),
        category="sudden_unexplained", factors_child="=Prematurity",
        factors_social="Smoking in the home", modifiable_factors="yes",
        learning_points="Safe sleep advice.", ncmd_notification_sent_on=date(2025, 1, 12),
        ethnicity="white_irish", fatal_event_on=date(2025, 1, 9), cause_1a="Unascertained",
        post_mortem_required="yes", senior_practitioner="Dr Seniorwitness",
        grade_child="2", modifiable_reason="Unsafe sleeping place",
        outcome_actions="Safe sleep campaign", bereavement_support_offered="yes",
        bereavement_support_details="Lullaby Trust leaflet", ncmd_alert="yes",
        ncmd_alert_details="Second drowning in Mr Pondkeeper's garden")
    make_request(found, "Health visiting", date(2025, 1, 20), returned_on=date(2025, 2, 1))
    make_request(found, "Police", date(2025, 1, 15))
    return found


def _cells(book, title):
    return [list(row) for row in book[title].iter_rows(values_only=True)]


def test_one_cases_export_has_each_form_cell_by_cell(cdop_client, case):
    response, book = download(cdop_client, f"/child-deaths/ncmd/export?case={case.id}")

    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=ncmd-export-{case.reference}.xlsx")
    assert book.sheetnames == SHEETS
    assert _cells(book, "Notification form") == [
        ["Case reference", "Reason there is no NHS number", "Age at death", "Sex",
         "Ethnicity", "Alert", "Local authority of residence",
         "Date of death", "Time of death", "Place of death or of the fatal event",
         "Local authority where the child died", "Date of the fatal event",
         "Time of the fatal event", "Was the death expected?", "Cause of death 1a",
         "Cause of death 1b", "Cause of death 1c", "Cause of death 2",
         "Is a post-mortem required?", "Coroner investigating", "Child looked after",
         "Child on a child protection plan", "Known to children's social care",
         "Joint Agency Response required", "Joint Agency Response criteria met",
         "Date notification received", "Sent to the NCMD"],
        [case.reference, None, "28 days to under 1 year", "Male", "White: Irish", "Yes",
         "Northshire",
         datetime(2025, 1, 10), "14:05", "Other", "Southshire", datetime(2025, 1, 9),
         None, "No", "Unascertained", None, None, None, "Yes", "No",
         "Yes", "No", "No", "Yes",
         "The death is sudden and there is no immediately apparent cause (including sudden "
         "unexpected death in infancy or childhood)", datetime(2025, 1, 11),
         datetime(2025, 1, 12)],
    ]
    assert book["Notification form"]["H2"].number_format == "d mmm yyyy"
    # One row per agency asked, in the order asked.
    assert _cells(book, "Reporting form") == [
        ["Case reference", "Agency", "Form", "Reporting form requested",
         "Reporting form returned", "Was bereavement support offered to the family?",
         "Sent to the NCMD"],
        [case.reference, "Police", "Core reporting form", datetime(2025, 1, 15), None, "Yes",
         None],
        [case.reference, "Health visiting", "Core reporting form", datetime(2025, 1, 20),
         datetime(2025, 2, 1), "Yes", None],
    ]
    assert _cells(book, "Analysis form") == [
        ["Case reference", "Child death review meeting", "CDOP review completed",
         "Category of death", "Factors: the child", "Grade: the child",
         "Factors: the social environment", "Grade: the social environment",
         "Factors: the physical environment", "Grade: the physical environment",
         "Factors: service provision", "Grade: service provision",
         "Modifiable factors identified", "Modifiable factors: the reason", "Learning",
         "Actions", "Sent to the NCMD"],
        [case.reference, datetime(2025, 3, 1), datetime(2025, 4, 1),
         "Sudden unexpected, unexplained death", "=Prematurity",
         "2: Factors identified that may have contributed to the vulnerability, ill-health "
         "or death", "Smoking in the home", None, None, None, None, None, "Yes",
         "Unsafe sleeping place", "Safe sleep advice.", "Safe sleep campaign", None],
    ]
    # Text that looks like a formula is stored as text, never a formula.
    assert book["Analysis form"]["E2"].data_type == "s"


def test_the_data_dictionary_describes_every_column_of_every_form(cdop_client, case):
    _, book = download(cdop_client, f"/child-deaths/ncmd/export?case={case.id}")
    dictionary = sheet_rows(book, "Data dictionary")

    columns = [(form, header) for form in ncmd_export.FORMS
               for header in _cells(book, form)[0]]
    assert [(row["Form"], row["Field"]) for row in dictionary] == columns
    by_field = {(row["Form"], row["Field"]): row for row in dictionary}
    sex = by_field[("Notification form", "Sex")]
    assert sex["Allowed values"] == "Female; Male; Indeterminate; Not known"
    assert sex["Where the tracker holds it"] == "cdr_case.sex"
    assert by_field[("Analysis form", "Modifiable factors identified")]["Allowed values"] == (
        "Yes; No; Insufficient information")
    assert by_field[("Reporting form", "Agency")]["Where the tracker holds it"] == (
        "cdr_agency_request.agency")


def test_identifying_details_only_when_asked_for_by_a_user_who_may_see_them(
        cdop_client, case):
    _, plain = download(cdop_client, f"/child-deaths/ncmd/export?case={case.id}")
    text = workbook_text(plain)
    # Free text that may name someone goes only with the identifying columns too: where the
    # child died (when "other"), and what bereavement support was offered.
    for value in (*IDENTIFYING, "Dr Seniorwitness", "Park", "Lullaby Trust leaflet",
                  "Pondkeeper"):
        assert value not in text
    assert "NHS number" not in _cells(plain, "Notification form")[0]
    assert "NHS number" not in {row["Field"] for row in sheet_rows(plain, "Data dictionary")}

    _, named = download(cdop_client,
                        f"/child-deaths/ncmd/export?case={case.id}&identifying=yes")
    (row,) = sheet_rows(named, "Notification form")
    assert list(row)[:6] == ["Case reference", "NHS number", "Reason there is no NHS number",
                             "Family name", "Given names", "Date of birth"]
    assert row["Family name"] == "Invented" and row["Given names"].startswith("Testchild")
    assert row["Date of birth"] == datetime(2024, 1, 26) and row["Postcode"] == "ZZ99 3AA"
    assert row["Senior practitioner present"] == "Dr Seniorwitness"
    # The alert's answer is in both exports; its details only in this one.
    assert (row["Alert"], row["Alert: the details"]) == (
        "Yes", "Second drowning in Mr Pondkeeper's garden")
    assert row["Place of death or of the fatal event: where (when other)"] == "Park"
    assert sheet_rows(named, "Reporting form")[0]["Bereavement support offered"] == (
        "Lullaby Trust leaflet")
    assert ("Notification form", "NHS number") in {
        (each["Form"], each["Field"]) for each in sheet_rows(named, "Data dictionary")}


def test_a_user_without_the_identity_permission_gets_no_identifying_value(
        app, partnership, case, monkeypatch):
    from tests.conftest import sign_in

    # A role that may export cases but not see who the child was.
    monkeypatch.setitem(roles.PERMISSIONS, Role.AUDITOR,
                        roles.PERMISSIONS[Role.AUDITOR] | {Permission.EXPORT})
    monkeypatch.setitem(roles.PERMISSIONS, Role.AUDITOR,
                        roles.PERMISSIONS[Role.AUDITOR] - {Permission.VIEW_IDENTIFYING_DETAILS})
    user = make_user(Role.AUDITOR, [partnership])
    client = app.test_client()
    sign_in(client, user.email)

    assert client.get(f"/child-deaths/ncmd/export?case={case.id}&identifying=yes"
                      ).status_code == 403
    with count_queries() as statements:
        _, book = download(client, f"/child-deaths/ncmd/export?case={case.id}")
    text = workbook_text(book)
    for value in IDENTIFYING:
        assert value not in text
    assert not any("cdr_identity" in statement for statement in statements)


@pytest.mark.parametrize("role", [Role.DESIGNATED_DOCTOR, Role.AUDITOR, Role.PANEL_MEMBER,
                                  Role.BUSINESS_UNIT])
def test_roles_that_may_not_export_child_death_cases_cannot(app, partnership, case, role):
    from tests.conftest import sign_in

    user = make_user(role, [partnership])
    client = app.test_client()
    sign_in(client, user.email)
    assert client.get(f"/child-deaths/ncmd/export?case={case.id}").status_code == 403


def test_the_export_is_audited_against_the_case(cdop_client, case):
    download(cdop_client, f"/child-deaths/ncmd/export?case={case.id}")
    (event,) = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == Action.EXPORT.value)).all()
    assert event.object_type == "ChildDeathCase" and event.object_id == str(case.id)
    assert event.user_id == cdop_client.user.id
    assert "Notification form 1 row, Reporting form 2 rows, Analysis form 1 row" in (
        event.detail)


def test_a_period_exports_the_cases_notified_in_it_oldest_first(
        cdop_client, partnership, other_partnership, case):
    later = make_case(partnership, date_of_death=date(2025, 2, 1),
                      notification_received_on=date(2025, 2, 3))
    make_case(partnership, date_of_death=date(2025, 5, 1),
              notification_received_on=date(2025, 5, 2))
    make_case(other_partnership, date_of_death=date(2025, 2, 1),
              notification_received_on=date(2025, 2, 2))

    _, book = download(cdop_client, "/child-deaths/ncmd/export?notified_from=1&notified_from=1"
                       "&notified_from=2025&notified_to=28&notified_to=2&notified_to=2025")

    assert [row["Case reference"] for row in sheet_rows(book, "Notification form")] == [
        case.reference, later.reference]
    assert [row["Case reference"] for row in sheet_rows(book, "Reporting form")] == [
        case.reference, case.reference]
    cover = [list(row[:2]) for row in book["About this file"].iter_rows(values_only=True)]
    assert ["Cases", "Notified 1 January 2025 to 28 February 2025"] in cover
    assert ["Identifying details", "Not included"] in cover
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == Action.EXPORT.value)).one()
    assert event.object_type == "NCMD export"


def test_half_a_period_sends_the_user_back_to_the_list(cdop_client, case):
    response = cdop_client.get("/child-deaths/ncmd/export?notified_from=1&notified_from=1"
                               "&notified_from=2025")
    assert response.status_code == 302 and response.location == "/child-deaths/ncmd"
    page = cdop_client.get("/child-deaths/ncmd").get_data(as_text=True)
    assert "Enter both dates of the period, or neither" in page


def test_another_partnerships_case_is_not_found(cdop_client, other_partnership):
    theirs = make_case(other_partnership)
    assert cdop_client.get(f"/child-deaths/ncmd/export?case={theirs.id}").status_code == 404
    assert cdop_client.get("/child-deaths/ncmd/export?case=x1").status_code == 404


def test_the_export_issues_the_same_queries_for_one_case_or_many(cdop_client, partnership):
    make_case(partnership)
    with count_queries() as few:
        download(cdop_client, "/child-deaths/ncmd/export?identifying=yes")
    for _ in range(6):
        each = make_case(partnership)
        make_request(each, "Police", date(2025, 5, 1))
    with count_queries() as many:
        _, book = download(cdop_client, "/child-deaths/ncmd/export?identifying=yes")
    assert len(sheet_rows(book, "Notification form")) == 7
    assert len(many) == len(few)


def test_the_case_page_and_the_list_link_to_the_export(cdop_client, case, call):
    page = call(cdop_client, "cdr.case", case_id=case.id)
    links = [a["href"] for a in page.html.select("#ncmd ~ p a")]
    assert f"/child-deaths/ncmd/export?case={case.id}" in links
    assert f"/child-deaths/ncmd/export?case={case.id}&identifying=yes" in links
    listing = call(cdop_client, "cdr.ncmd_not_sent")
    assert listing.html.select_one("form[action='/child-deaths/ncmd/export']") is not None


def test_libreoffice_opens_the_ncmd_export(cdop_client, case, soffice, tmp_path):  # noqa: F811
    response = cdop_client.get(f"/child-deaths/ncmd/export?case={case.id}")
    workbook = tmp_path / "ncmd.xlsx"
    workbook.write_bytes(response.get_data())
    response.close()

    sheets = convert(soffice, workbook, tmp_path)

    assert set(sheets) == set(SHEETS)
    header, row = sheets["Notification form"]
    notification = dict(zip(header, row, strict=True))
    assert notification["Case reference"] == case.reference
    assert notification["Date of death"] == "10 Jan 2025"
    header, *rows = sheets["Reporting form"]
    assert [dict(zip(header, each, strict=True))["Agency"] for each in rows] == [
        "Police", "Health visiting"]
    header, row = sheets["Analysis form"]
    # Formula-like text stays text.
    assert dict(zip(header, row, strict=True))["Factors: the child"] == "=Prematurity"


def test_a_big_period_is_built_in_the_background_with_what_the_inline_one_holds(
        app, cdop_client, partnership, tmp_path):
    from tests.conftest import Page
    from tracker import export_jobs

    app.config["EXPORT_DIR"] = str(tmp_path / "exports")
    app.config["EXPORT_INLINE_MAX_ROWS"] = 2
    for day in (1, 2, 3):
        make_case(partnership, date_of_death=date(2025, 5, day),
                  notification_received_on=date(2025, 5, day))
    url = "/child-deaths/ncmd/export?identifying=yes"
    response = cdop_client.get(url)
    assert response.status_code == 302 and response.location.startswith("/exports/")

    assert export_jobs.build_queued() == 1
    ready = Page(cdop_client.get(response.location))
    link = ready.html.select_one("#download")
    assert link.text.strip() == (
        f"Download ncmd-export-{TODAY.isoformat()}-with-identifying-details.xlsx")
    _, built = download(cdop_client, link["href"])

    app.config["EXPORT_INLINE_MAX_ROWS"] = 5_000
    _, inline = download(cdop_client, url)
    assert built.sheetnames == SHEETS
    for title in SHEETS[1:]:
        assert _cells(built, title) == _cells(inline, title)
    assert len(sheet_rows(built, "Notification form")) == 3
