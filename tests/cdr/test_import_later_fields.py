"""The import and the case list export carry what the case records after the notification:
no post-mortem, the inquest and the family's support, the confirmed analysis's grades and
texts, the NCMD dates and the day the information was complete (issue 24)."""

from datetime import date

import pytest

from cdr.imports import COLUMNS
from cdr.models import ChildDeathCase
from tests.cdr.factories import make_case
from tests.cdr.test_import import HEADERS, cases, row
from tests.import_files import confirm, problems, upload, workbook
from tests.workbooks import download, sheet_rows, workbook_text
from tracker.extensions import db

pytestmark = pytest.mark.relative_dates

# Every new column's value as the case holds it.
LATER = {
    "no_post_mortem": "coroner_declined", "no_post_mortem_on": date(2025, 3, 4),
    "no_post_mortem_decided_by": "Dr Coroner Example, assistant coroner",
    "inquest_on": date(2025, 6, 10), "inquest_conclusion": "Natural causes",
    "pfd_report_on": date(2025, 6, 20), "pfd_report_concerns": "Staffing of the night ward",
    "key_worker_name": "Kay Workerexample", "key_worker_agency": "Northshire Hospice",
    "family_information_offered_on": date(2025, 3, 5),
    "bereavement_support_offered": "yes", "bereavement_support_details": "Hospice counselling",
    "grade_child": "2", "grade_social": "1", "grade_physical": "0", "grade_service": "2",
    "modifiable_reason": "Delay in transfer", "outcome_actions": "Review transfer protocol",
    "ncmd_notification_sent_on": date(2025, 3, 6), "ncmd_reporting_sent_on": date(2025, 5, 1),
    "ncmd_analysis_sent_on": date(2025, 9, 2), "information_complete_on": date(2025, 5, 2),
}
OUTCOME = {"review_meeting_on": date(2025, 7, 1), "review_completed_on": date(2025, 9, 1),
           "category": "infection", "modifiable_factors": "yes"}
HEADER = {column.key: column.header for column in COLUMNS}
NAMED = ("no_post_mortem_decided_by", "key_worker_name")


def _as_date(value):
    return value.date() if hasattr(value, "date") else value


def test_the_export_carries_the_later_fields_and_reads_back_through_the_import(
        cdop_client, partnership):
    make_case(partnership, information_complete=True, **OUTCOME, **LATER)

    _, plain = download(cdop_client, "/child-deaths/spreadsheet")
    [anonymous] = sheet_rows(plain, "Cases")
    text = workbook_text(plain)
    # The professionals' names, and free text that may name the child or the family (the
    # inquest's conclusion, what the report asked, the support offered), only with the
    # identifying columns.
    assert "Coroner Example" not in text and "Workerexample" not in text
    for words in ("Natural causes", "Staffing of the night ward", "Hospice counselling"):
        assert words not in text
    assert anonymous["Grade: the child"].startswith("2: Factors identified")
    assert anonymous["No post-mortem"] == "The coroner has not taken the case"
    _, named = download(cdop_client, "/child-deaths/spreadsheet?identifying=yes")
    [exported] = sheet_rows(named, "Cases")
    assert exported["Key worker's name"] == "Kay Workerexample"

    # The same values, read back by the import under the same headers.
    back = {HEADER[key]: exported[HEADER[key]] for key in LATER}
    preview = upload(cdop_client, "child-deaths", workbook(HEADERS, [row(**back, **{
        HEADER["review_meeting_on"]: OUTCOME["review_meeting_on"],
        HEADER["review_completed_on"]: OUTCOME["review_completed_on"],
        "Category of death": "Infection", "Modifiable factors identified": "Yes",
        "Given names": "Roundtrip"})]))
    assert preview.status_code == 200, problems(preview)
    assert "Workerexample" not in preview.get_data(as_text=True)
    assert confirm(cdop_client, "child-deaths", preview).status_code == 302
    imported = cases()[-1]
    assert {key: _as_date(getattr(imported, key)) for key in LATER} == LATER
    assert imported.information_complete is True
    assert imported.ncmd_notification_sent_by_id is not None


@pytest.mark.parametrize(("changes", "header", "message"), [
    ({"no_post_mortem": "Maybe"}, "No post-mortem",
     "No post-mortem must be one of: No post-mortem will be held, The coroner has not taken "
     "the case"),
    ({"no_post_mortem": "not_held", "no_post_mortem_on": date(2025, 2, 1),
      "no_post_mortem_decided_by": "Dr A"}, "Date no post-mortem was decided",
     "Date no post-mortem was decided must be the same as or after the date of death"),
    ({"no_post_mortem": "not_held", "no_post_mortem_on": date(2025, 3, 4)},
     "Who decided there would be no post-mortem",
     "Enter who decided there would be no post-mortem"),
    ({"no_post_mortem_on": date(2025, 3, 4)}, "No post-mortem",
     "Enter why the third rapid response meeting is not needed, or leave the decision's date "
     "and who decided empty"),
    ({"pfd_report_on": date(2025, 2, 1), "pfd_report_concerns": "x"},
     "Date of the prevention of future deaths report",
     "Date of the prevention of future deaths report must be on or after the date of death "
     "(1 March 2025)"),
    ({"key_worker_name": "Kay Example"}, "Key worker's agency",
     "Enter the key worker's name and agency"),
    ({"bereavement_support_offered": "no", "bereavement_support_details": "Leaflet"},
     "What bereavement support was offered",
     "Select \u2018Yes\u2019 if bereavement support was offered, or leave what was offered "
     "blank"),
    ({"grade_social": "3"}, "Grade: the social environment",
     "Grade: the social environment must be one of: 0: Information not available, 1: No "
     "factors identified, or factors identified but unlikely to have contributed to the "
     "death, 2: Factors identified that may have contributed to the vulnerability, "
     "ill-health or death"),
    ({"outcome_actions": "Tell Invented family"}, "Actions",
     "Actions must not include the child's name, NHS number or postcode"),
    ({"ncmd_reporting_sent_on": date(2025, 5, 1)}, "Reporting forms and supplementary "
     "reporting forms sent to the NCMD", "Enter the date the notification form was sent to "
     "the NCMD first: the NCMD takes the forms in order"),
    ({"ncmd_notification_sent_on": date(2025, 3, 6), "ncmd_reporting_sent_on": date(2025, 3, 5)},
     "Reporting forms and supplementary reporting forms sent to the NCMD",
     "Reporting forms and supplementary reporting forms sent to the NCMD must be the same as "
     "or after the date the notification form was sent"),
    ({"ncmd_notification_sent_on": date(2025, 3, 6), "ncmd_reporting_sent_on": date(2025, 5, 1),
      "ncmd_analysis_sent_on": date(2025, 9, 2)}, "Analysis form sent to the NCMD",
     "The analysis form is sent once the CDOP has reviewed the death: enter date the cdop "
     "panel review was completed"),
    ({"ncmd_notification_sent_on": date(2099, 1, 1)}, "Notification form sent to the NCMD",
     "Notification form sent to the NCMD must be today or in the past"),
    ({"information_complete_on": date(2025, 3, 1)}, "Information complete on",
     "Information complete on must be the same as or after the date the notification was "
     "received"),
])
def test_a_bad_later_value_is_refused_with_its_row_and_column(cdop_client, changes, header,
                                                               message):
    given = {HEADER[key]: value for key, value in changes.items()}
    response = upload(cdop_client, "child-deaths", workbook(HEADERS, [row(), row(**given)]))
    assert response.status_code == 400
    assert ("3", header, message) in problems(response), problems(response)
    assert cases() == []


def test_the_template_documents_the_later_columns(cdop_client):
    response = cdop_client.get("/imports/child-deaths/template.xlsx")
    assert response.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook
    book = load_workbook(BytesIO(response.data))
    text = workbook_text(book)
    for key in LATER:
        assert HEADER[key] in text
    assert "graded as the analysis form grades them" in text
    assert "third rapid response meeting is then not needed" in text


def test_an_imported_no_post_mortem_sets_the_third_meeting_aside(cdop_client):
    """The import's deadlines come from the same mapping as the page's: a case with the Joint
    Agency Response and a no-post-mortem decision has its third meeting set aside."""
    from tracker.deadline_models import Deadline
    from tracker.imports.run import build_deadlines

    preview = upload(cdop_client, "child-deaths", workbook(HEADERS, [row(**{
        HEADER["no_post_mortem"]: "No post-mortem will be held",
        HEADER["no_post_mortem_on"]: date(2025, 3, 4),
        HEADER["no_post_mortem_decided_by"]: "Dr A, coroner"})]))
    assert confirm(cdop_client, "child-deaths", preview).status_code == 302
    [case] = cases()
    assert case.no_post_mortem == "not_held"
    case.jar_required = True
    db.session.execute(db.delete(Deadline).where(Deadline.owner_id == case.id,
                                                 Deadline.owner_type == "cdr_case"))
    build_deadlines([case])
    db.session.flush()
    third = db.session.scalar(db.select(Deadline).where(
        Deadline.owner_id == case.id, Deadline.rule_key == "rr_meeting_3"))
    assert third is not None and third.not_applicable_reason
    assert isinstance(case, ChildDeathCase)
