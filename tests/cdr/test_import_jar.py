"""The import carries a Joint Agency Response: an imported unexpected death meeting a
criterion gets its JAR and the rapid response meeting deadlines the notification form gives;
the notification form's contradiction is refused with its row and column; the case list
export writes the criteria back out under the import's headers."""

from datetime import date

import pytest
import sqlalchemy as sa

from cdr.import_jar import CONTRADICTION, CRITERIA_HEADERS, REQUIRED_HEADER
from tests.cdr.test_import import HEADERS, cases, row
from tests.import_files import confirm, problems, upload, workbook
from tests.workbooks import download, sheet_rows, workbook_text
from tracker.deadline_models import Deadline
from tracker.extensions import db

pytestmark = pytest.mark.relative_dates

SUDDEN = CRITERIA_HEADERS["jar_sudden_unexplained"]


def _due(case):
    return dict(db.session.execute(sa.select(Deadline.rule_key, Deadline.due_date).where(
        Deadline.owner_type == "cdr_case", Deadline.owner_id == case.id,
        Deadline.rule_key.like("rr_meeting_%"))).all())


def test_an_imported_unexpected_death_meeting_a_criterion_gets_its_jar_and_deadlines(
        cdop_client, call):
    preview = upload(cdop_client, "child-deaths", workbook(HEADERS, [row(**{
        "Expected death": "No", SUDDEN: "Yes", REQUIRED_HEADER: "Yes"})]))
    assert preview.status_code == 200, problems(preview)
    assert confirm(cdop_client, "child-deaths", preview).status_code == 302
    [imported] = cases()
    assert imported.jar_required and imported.jar_sudden_unexplained
    assert not imported.jar_external_causes

    # The same death through the notification form: the same meetings, due the same days.
    from tests.cdr.test_notifications import answers, day
    call(cdop_client, "cdr.notify", status=302, data=answers(
        nhs_number="999 000 0026", given_names="Formchild", date_of_death=day(date(2025, 3, 1)),
        received_on=day(date(2025, 3, 2)), death_expected="no",
        jar_criteria=["jar_sudden_unexplained"]))
    notified = cases()[-1]
    assert _due(imported) == _due(notified)
    assert {"rr_meeting_1", "rr_meeting_2"} <= set(_due(imported))
    page = call(cdop_client, "cdr.case", case_id=imported.id)
    assert "Joint Agency Response required" in page.text("#timeline + ol")


def test_without_a_criterion_an_imported_case_has_no_jar(cdop_client):
    preview = upload(cdop_client, "child-deaths", workbook(HEADERS, [row()]))
    assert confirm(cdop_client, "child-deaths", preview).status_code == 302
    [imported] = cases()
    assert not imported.jar_required and _due(imported) == {}


@pytest.mark.parametrize(("given", "header", "message"), [
    ({"Expected death": "Yes", SUDDEN: "Yes"}, SUDDEN, CONTRADICTION),
    ({REQUIRED_HEADER: "Yes"}, REQUIRED_HEADER, "Enter Yes for the criterion that is met: a "
     "Joint Agency Response is required only when one is"),
    ({CRITERIA_HEADERS["jar_suspicious"]: "Yes", REQUIRED_HEADER: "No"}, REQUIRED_HEADER,
     "Enter Yes: a criterion is met, so a Joint Agency Response is required"),
    ({SUDDEN: "Perhaps"}, SUDDEN, f"{SUDDEN} must be one of: Yes, No"),
])
def test_contradictory_jar_answers_are_refused_with_their_row_and_column(cdop_client, given,
                                                                         header, message):
    response = upload(cdop_client, "child-deaths", workbook(HEADERS, [row(), row(**given)]))
    assert response.status_code == 400
    assert ("3", header, message) in problems(response), problems(response)
    assert cases() == []


def test_the_template_documents_the_jar_columns(cdop_client):
    from io import BytesIO

    from openpyxl import load_workbook
    response = cdop_client.get("/imports/child-deaths/template.xlsx")
    text = workbook_text(load_workbook(BytesIO(response.data)))
    for header in (*CRITERIA_HEADERS.values(), REQUIRED_HEADER):
        assert header in text
    assert "Any criterion met makes a Joint Agency Response required" in text
    assert "No: the death was unexpected" in text


def test_the_export_carries_the_jar_out_and_reads_back_through_the_import(cdop_client):
    preview = upload(cdop_client, "child-deaths", workbook(HEADERS, [row(**{
        "Expected death": "No", SUDDEN: "Yes",
        CRITERIA_HEADERS["jar_external_causes"]: "Yes"})]))
    assert confirm(cdop_client, "child-deaths", preview).status_code == 302
    _, book = download(cdop_client, "/child-deaths/spreadsheet")
    [exported] = sheet_rows(book, "Cases")
    assert exported[REQUIRED_HEADER] == "Yes"
    assert exported[SUDDEN] == "Yes" and exported[CRITERIA_HEADERS["jar_suspicious"]] == "No"

    back = {header: exported[header] for header in (*CRITERIA_HEADERS.values(),
                                                    REQUIRED_HEADER)}
    preview = upload(cdop_client, "child-deaths", workbook(HEADERS, [row(**back, **{
        "Expected death": "No", "Date of death": date(2025, 2, 1),
        "Date the notification was received": date(2025, 2, 2)})]))
    assert preview.status_code == 200, problems(preview)
    assert confirm(cdop_client, "child-deaths", preview).status_code == 302
    again = cases()[-1]
    assert (again.jar_required, again.jar_sudden_unexplained, again.jar_external_causes,
            again.jar_suspicious) == (True, True, True, False)
