"""Child death spreadsheets: the case list export (filtered as on screen, every stage date and
deadline) and the anonymised CDOP panel pack, opened with openpyxl."""

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from cdr.models import AgencyRequest, PanelItem, PanelMeeting
from tests.cdr.factories import make_case
from tests.factories import make_user
from tests.tracker.test_audit import count_queries
from tests.workbooks import download, sheet_rows, workbook_text
from tracker import deadline_service
from tracker.audit import Action, AuditEvent
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.roles import Role

TODAY = date(2025, 6, 2)
IDENTIFYING = ("Testchild", "Invented", "Imaginary Lane", "ZZ99 3AA", "2024-01-26",
               "26 January 2024", "999000")


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(TODAY)


def make_request(case, agency, sent_on, **fields):
    """A saved agency request with its stored deadline."""
    agency_request = AgencyRequest(case_id=case.id, partnership_id=case.partnership_id,
                                   rules_edition=case.rules_edition, agency=agency,
                                   sent_on=sent_on, **fields)
    db.session.add(agency_request)
    deadline_service.sync_case(agency_request)
    db.session.commit()
    return agency_request


def export_events():
    return db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == Action.EXPORT.value).order_by(AuditEvent.id)).all()


@pytest.fixture
def cases(partnership):
    """A JAR case with a request, a registered death, and an older closed case."""
    jar = make_case(partnership, jar_required=True, date_of_death=date(2025, 5, 30),
                    notification_received_on=date(2025, 5, 30), designated_doctor_id=None)
    make_request(jar, "=HYPERLINK(\"http://evil.example\",\"School\")", date(2025, 5, 1))
    registered = make_case(partnership, date_of_death=date(2025, 5, 1),
                           death_registered_on=date(2025, 5, 6),
                           registrar_notified_on=date(2025, 5, 20))
    closed = make_case(partnership, date_of_death=date(2024, 11, 3), stage="closed",
                       previous_reference="CDOP-NSP-2024-0042/A",
                       review_meeting_on=date(2025, 2, 1), information_complete=True,
                       category="infection", modifiable_factors="no",
                       review_completed_on=date(2025, 3, 3), closed_on=date(2025, 3, 3))
    return {"jar": jar, "registered": registered, "closed": closed}


def test_the_case_list_export_has_every_case_with_its_stage_dates_and_deadlines(
        cdop_client, cases):
    response, book = download(cdop_client, "/child-deaths/spreadsheet")

    assert response.headers["Content-Disposition"] == (
        "attachment; filename=child-death-cases-2025-06-02.xlsx")
    assert book.sheetnames == ["About this file", "Cases", "Agency requests"]
    rows = sheet_rows(book, "Cases")
    # The list's default order: latest death first.
    assert [row["Reference"] for row in rows] == [
        cases["jar"].reference, cases["registered"].reference, cases["closed"].reference]
    jar, registered, closed = rows
    assert jar["Date of death"] == datetime(2025, 5, 30)
    assert book["Cases"]["E2"].is_date and book["Cases"]["E2"].number_format == "d mmm yyyy"
    assert jar["Joint Agency Response required"] == "Yes"
    # 30 May + 1 to 5 days: the first rapid response meeting is due 4 June, 2 days away.
    assert jar["First rapid response meeting: due"] == datetime(2025, 6, 4)
    assert jar["First rapid response meeting: status"] == "Due soon"
    assert jar["Registrar's notification: due"] is None  # not registered yet: not started
    assert registered["Death registered"] == datetime(2025, 5, 6)
    assert registered["Registrar's notification: met"] == datetime(2025, 5, 20)
    assert registered["Registrar's notification: status"] == "Met late"  # 7 days, met in 14
    assert registered["First rapid response meeting: status"] is None  # no JAR
    assert closed["Stage"] == "Closed" and closed["Closed"] == datetime(2025, 3, 3)
    assert closed["Category of death"] == "Infection"
    assert closed["Previous reference"] == "CDOP-NSP-2024-0042/A"  # an imported one, beside
    assert jar["Previous reference"] is None
    assert closed["Modifiable factors identified"] == "No"
    assert closed["Age at death"] == "1 to 4 years" and closed["Sex"] == "Female"


def test_statuses_are_those_of_the_stored_deadlines(cdop_client, cases):
    stored = db.session.scalar(sa.select(Deadline).where(
        Deadline.rule_key == "rr_meeting_1", Deadline.owner_id == cases["jar"].id))
    stored.extended_to = date(2025, 6, 20)
    stored.extension_reason = "Family asked for a later date"
    db.session.commit()

    _, book = download(cdop_client, "/child-deaths/spreadsheet")

    jar = sheet_rows(book, "Cases")[0]
    assert jar["First rapid response meeting: due"] == datetime(2025, 6, 20)
    assert jar["First rapid response meeting: status"] == "Extended"


def test_agency_requests_have_their_own_deadline_and_formula_text_stays_text(cdop_client,
                                                                               cases):
    _, book = download(cdop_client, "/child-deaths/spreadsheet")

    (request,) = sheet_rows(book, "Agency requests")
    stored = db.session.scalar(sa.select(Deadline).where(
        Deadline.owner_type == "cdr_agency_request"))
    assert request["Case reference"] == cases["jar"].reference
    assert request["Sent"] == datetime(2025, 5, 1)
    assert request["Due"] == datetime.combine(stored.due_date, datetime.min.time())
    assert request["Status"] == "Overdue"
    agency = book["Agency requests"]["B2"]
    assert agency.value.startswith("=HYPERLINK") and agency.data_type == "s"


def test_the_export_is_filtered_as_on_screen_and_audited_with_filters_and_count(
        cdop_client, cases):
    url = "/child-deaths/spreadsheet?stage=closed&died_to=1&died_to=1&died_to=2025"
    _, book = download(cdop_client, url)

    assert [row["Reference"] for row in sheet_rows(book, "Cases")] == [cases["closed"].reference]
    assert sheet_rows(book, "Agency requests") == []
    cover = [list(row[:2]) for row in book["About this file"].iter_rows(values_only=True)]
    assert ["Stage", "Closed"] in cover and ["Died on or before", "1 January 2025"] in cover
    assert ["Identifying details", "Not included"] in cover
    (event,) = export_events()
    assert event.object_type == "Child death case list"
    assert "Cases 1 row, Agency requests 0 rows." in event.detail
    assert "Stage: Closed" in event.detail


def test_the_search_filters_the_export_but_never_reaches_the_audit_trail(cdop_client, cases):
    moved = cdop_client.get("/child-deaths/spreadsheet?q=testchild")
    assert moved.status_code == 302 and "testchild" not in moved.location.lower()
    _, book = download(cdop_client, moved.location)
    assert len(sheet_rows(book, "Cases")) == 3
    _, book = download(cdop_client, f"/child-deaths/spreadsheet?q={cases['jar'].reference}")
    assert [row["Reference"] for row in sheet_rows(book, "Cases")] == [cases["jar"].reference]
    for event in export_events():
        assert "Search: given" in event.detail
        assert "testchild" not in event.detail.lower()


def test_identifying_details_only_when_asked_for(cdop_client, cases):
    _, plain = download(cdop_client, "/child-deaths/spreadsheet")
    text = workbook_text(plain)
    for value in IDENTIFYING:
        assert value not in text
    assert "NHS number" not in sheet_rows(plain, "Cases")[0]

    _, named = download(cdop_client, "/child-deaths/spreadsheet?identifying=yes")
    first = sheet_rows(named, "Cases")[0]
    assert first["Given names"].startswith("Testchild") and first["Family name"] == "Invented"
    assert first["Date of birth"] == datetime(2024, 1, 26)
    assert first["NHS number"].startswith("999") and first["Postcode"] == "ZZ99 3AA"
    cover = [list(row[:2]) for row in named["About this file"].iter_rows(values_only=True)]
    assert ["Identifying details", "Included"] in cover


@pytest.mark.parametrize("role", [Role.DESIGNATED_DOCTOR, Role.AUDITOR, Role.PANEL_MEMBER,
                                  Role.BUSINESS_UNIT])
def test_only_roles_that_may_export_child_death_cases_can(app, partnership, cases, role, call):
    from tests.conftest import sign_in

    user = make_user(role, [partnership])
    client = app.test_client()
    sign_in(client, user.email)
    assert client.get("/child-deaths/spreadsheet").status_code == 403
    assert client.get("/child-deaths/spreadsheet?identifying=yes").status_code == 403
    assert export_events() == []


def test_the_list_links_to_the_download_with_its_filters(cdop_client, doctor_client, cases,
                                                         call):
    page = call(cdop_client, "cdr.cases", stage="closed", page=1)
    links = [a["href"] for a in page.html.select("#case-downloads a")]
    assert links == ["/child-deaths/spreadsheet?stage=closed",
                     "/child-deaths/spreadsheet?identifying=yes&stage=closed"]
    assert call(doctor_client, "cdr.cases").html.select("#case-downloads") == []


def test_bad_filters_send_the_user_back_to_the_list_to_correct_them(cdop_client, cases):
    response = cdop_client.get("/child-deaths/spreadsheet?stage=nonsense")
    assert response.status_code == 302
    assert response.headers["Location"] == "/child-deaths/?stage=nonsense"
    assert export_events() == []


def test_another_partnerships_cases_are_never_exported(cdop_client, cases, other_partnership):
    theirs = make_case(other_partnership)
    _, book = download(cdop_client, f"/child-deaths/spreadsheet?q={theirs.reference}")
    assert sheet_rows(book, "Cases") == []


def test_the_export_issues_the_same_queries_for_one_case_or_many(cdop_client, partnership):
    make_case(partnership, jar_required=True)
    with count_queries() as few:
        download(cdop_client, "/child-deaths/spreadsheet?identifying=yes")
    for _ in range(6):
        case = make_case(partnership, jar_required=True)
        make_request(case, "Police", date(2025, 5, 1))
    with count_queries() as many:
        _, book = download(cdop_client, "/child-deaths/spreadsheet?identifying=yes")
    assert len(sheet_rows(book, "Cases")) == 7
    assert len(many) == len(few)


# --- The panel pack --------------------------------------------------------------------------

@pytest.fixture
def meeting(partnership):
    """A meeting with two cases on its agenda, in the order the agenda sets."""
    meeting = PanelMeeting(partnership_id=partnership.id, meeting_on=date(2025, 7, 1))
    db.session.add(meeting)
    db.session.commit()
    first = make_case(partnership, information_complete=True, age_at_death_days=20,
                      sex="male", review_meeting_on=date(2025, 5, 1),
                      analysis_summary="=1+1 was the first line.",
                      analysis_factors="-Smoking in the home", analysis_learning="Safe sleep.")
    second = make_case(partnership, information_complete=True, age_at_death_days=4000,
                       review_meeting_on=date(2025, 4, 1), category="infection",
                       analysis_summary="Sepsis.")
    db.session.add_all([
        PanelItem(meeting_id=meeting.id, case_id=second.id, position=2,
                  partnership_id=partnership.id),
        PanelItem(meeting_id=meeting.id, case_id=first.id, position=1,
                  partnership_id=partnership.id),
    ])
    db.session.commit()
    return {"meeting": meeting, "first": first, "second": second}


def test_a_panel_member_downloads_the_anonymised_panel_pack(panel_client, meeting):
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", remember)
    try:
        response, book = download(
            panel_client, f"/child-deaths/panel-meetings/{meeting['meeting'].id}/panel-pack")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", remember)

    assert response.headers["Content-Disposition"] == (
        "attachment; filename=cdop-panel-pack-2025-07-01.xlsx")
    rows = sheet_rows(book, "Panel pack")
    assert [row["Reference"] for row in rows] == [meeting["first"].reference,
                                                  meeting["second"].reference]
    first, second = rows
    assert first == {
        "Order": 1, "Reference": meeting["first"].reference, "Age at death": "Under 28 days",
        "Sex": "Male", "Category of death": "Not yet decided",
        "Summary": "=1+1 was the first line.", "Factors identified": "-Smoking in the home",
        "Learning": "Safe sleep."}
    assert second["Age at death"] == "10 to 14 years"
    assert second["Category of death"] == "Infection"
    assert book["Panel pack"]["F2"].data_type == "s"  # shown as text, never run
    assert book["Panel pack"]["G2"].data_type == "s"
    assert book["Panel pack"].freeze_panes == "A2"
    assert book["Panel pack"].auto_filter.ref == "A1:H3"
    text = workbook_text(book)
    assert "OFFICIAL-SENSITIVE" in text
    for value in IDENTIFYING:
        assert value not in text
    assert not [s for s in statements if "cdr_child_identity" in s]
    (event,) = export_events()
    assert event.object_type == "PanelMeeting"
    assert event.object_id == str(meeting["meeting"].id)
    assert "Panel pack 2 rows" in event.detail


def test_the_meeting_page_links_to_the_panel_pack(panel_client, meeting, call):
    page = call(panel_client, "cdr.panel_meeting", meeting_id=meeting["meeting"].id)
    assert page.html.select_one("#panel-pack")["href"] == (
        f"/child-deaths/panel-meetings/{meeting['meeting'].id}/panel-pack")


def test_another_partnerships_panel_pack_is_not_found(app, meeting, other_partnership):
    from tests.conftest import sign_in

    outsider = make_user(Role.PANEL_MEMBER, [other_partnership])
    client = app.test_client()
    sign_in(client, outsider.email)
    url = f"/child-deaths/panel-meetings/{meeting['meeting'].id}/panel-pack"
    assert client.get(url).status_code == 404
    assert export_events() == []


def test_the_download_link_carries_only_the_lists_own_filters(cdop_client, cases):
    from tests.conftest import Page

    page = Page(cdop_client.get("/child-deaths/", query_string={
        "stage": "closed", "endpoint": "x", "values": "y", "_anchor": "z",
        "identifying": "yes", "page": "2"}))
    assert page.status == 200
    links = [a["href"] for a in page.html.select("#case-downloads a")]
    assert links == ["/child-deaths/spreadsheet?stage=closed",
                     "/child-deaths/spreadsheet?identifying=yes&stage=closed"]


def test_bad_filters_with_odd_query_names_still_go_back_to_the_list(cdop_client, cases):
    response = cdop_client.get("/child-deaths/spreadsheet", query_string={
        "stage": "nonsense", "endpoint": "x", "_anchor": "y"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/child-deaths/?stage=nonsense"


def test_the_panel_packs_summaries_wrap_in_their_cells_when_opened_or_printed(panel_client,
                                                                             meeting):
    _, book = download(
        panel_client, f"/child-deaths/panel-meetings/{meeting['meeting'].id}/panel-pack")

    sheet = book["Panel pack"]
    # Summary, factors and learning: wide columns whose text wraps, aligned to the top.
    for letter in "FGH":
        assert sheet.column_dimensions[letter].width == 60
        assert sheet[f"{letter}2"].alignment.wrap_text
        assert sheet[f"{letter}2"].alignment.vertical == "top"
    assert sheet["F2"].quotePrefix and sheet["F2"].data_type == "s"  # "=1+1...": still text
    # The short columns stay on one line.
    assert not sheet["B2"].alignment.wrap_text and not sheet["C2"].alignment.wrap_text
