"""The annual report data: counts by band from cases with known dates, small numbers never
shown, the identity table never read, partnership scoping, queries, charts and workbook."""

import re
import shutil
from datetime import date

import pytest
import sqlalchemy as sa

from cdr.services import annual_report as service
from cdr.services.panel import age_band
from tests.cdr.factories import make_case
from tests.cdr.test_exports_libreoffice import convert
from tests.conftest import Page, sign_in
from tests.factories import make_user
from tests.tracker.test_audit import count_queries
from tests.workbooks import download, sheet_rows
from tracker.audit import AuditEvent
from tracker.compliance import Period
from tracker.extensions import db
from tracker.roles import Role

TODAY = date(2025, 6, 16)
YEAR = Period(date(2024, 4, 1), date(2025, 3, 31))
URL = "/child-deaths/annual-report?partnership=NSP&year=2024"


@pytest.fixture(autouse=True)
def frozen_today(clock):
    clock.set(TODAY)


def notified(partnership, count=1, on=date(2024, 6, 1), **fields):
    for _ in range(count):
        make_case(partnership, notification_received_on=on, date_of_death=date(2024, 5, 30),
                  **fields)


def reviewed(partnership, count=1, died=date(2024, 1, 1), on=date(2024, 7, 1), **fields):
    for _ in range(count):
        make_case(partnership, notification_received_on=date(2024, 1, 2), date_of_death=died,
                  review_completed_on=on, closed_on=on, stage="closed", **fields)


def table(report, measure, title):
    return next(t for t in report.breakdowns if (t.measure, t.title) == (measure, title))


def shown(breakdown):
    return {label: cell.text for label, cell in breakdown.rows}


def test_age_bands_match_the_panel_pages(app, partnership):
    for days in (0, 27, 28, 364, 365, 1825, 1826, 3651, 3652, 5477, 5478, 6573, 6574, None):
        notified(partnership, 3, age_at_death_days=days)
    report = service.annual_report(partnership.id, YEAR)
    ages = shown(table(report, service.NOTIFIED, "Age at death"))
    assert ages == {"Under 28 days": "6", "28 to 364 days": "6", "1 to 4 years": "6",
                    "5 to 9 years": "6", "10 to 14 years": "6", "15 to 17 years": "6",
                    "18 years or over": "3", "Not known": "3"}
    # The same boundaries as the anonymised panel agenda's age band.
    assert [age_band(d) for d in (27, 28, 364, 365, 1826, 3652, 5478, 6574)] == [
        "Under 28 days", "28 days to under 1 year", "28 days to under 1 year", "1 to 4 years",
        "5 to 9 years", "10 to 14 years", "15 to 17 years", "18 years or over"]


def test_counts_by_period_with_1_and_2_suppressed_but_not_3(app, partnership):
    notified(partnership, 3, sex="female", death_expected="no", place_of_death="home",
             age_at_death_days=10)
    notified(partnership, 2, sex="female", death_expected="no", place_of_death="other")
    notified(partnership, 4, sex="male", death_expected="yes", place_of_death="hospital")
    notified(partnership, 1, sex="indeterminate", death_expected="not_known",
             place_of_death="hospital")
    notified(partnership, 2, on=date(2024, 3, 31))  # the year before
    notified(partnership, 2, on=date(2025, 4, 1))   # the year after
    report = service.annual_report(partnership.id, YEAR)
    assert report.notified.text == "10"
    assert shown(table(report, service.NOTIFIED, "Age at death"))["Under 28 days"] == "3"
    assert shown(table(report, service.NOTIFIED, "Sex")) == {
        "Female": "5", "Male": "hidden", "Indeterminate": "fewer than 3", "Not known": "0",
        "Not recorded": "0"}
    assert shown(table(report, service.NOTIFIED, "Place of death")) == {
        "Hospital": "5", "Home": "hidden", "Other": "fewer than 3", "Not recorded": "0"}


def test_reviews_completed_by_category_factors_and_time(app, partnership):
    reviewed(partnership, 4, category="infection", modifiable_factors="yes",
             died=date(2024, 1, 1), on=date(2024, 5, 1))            # 121 days
    reviewed(partnership, 6, category="perinatal", modifiable_factors="no",
             died=date(2023, 9, 1), on=date(2024, 9, 1))            # 366 days
    reviewed(partnership, 1, category="acute", modifiable_factors="no",
             died=date(2024, 9, 1), on=date(2024, 10, 1))           # 30 days
    reviewed(partnership, 2, on=date(2025, 4, 2))                   # after the year
    report = service.annual_report(partnership.id, YEAR)
    assert report.completed.text == "11"
    categories = shown(table(report, service.COMPLETED, "Category of death"))
    assert categories["Perinatal or neonatal event"] == "6"
    assert categories["Infection"] == "hidden"
    assert categories["Acute medical or surgical condition"] == "fewer than 3"
    assert shown(table(report, service.COMPLETED, "Modifiable factors identified")) == {
        "Yes": "4", "No": "7", "Insufficient information": "0", "Not recorded": "0"}
    assert shown(report.time_to_review) == {
        "Under 6 months (0 to 182 days)": "5", "6 to 12 months (183 to 364 days)": "0",
        "1 to 2 years (365 to 729 days)": "6", "2 years or more (730 days or more)": "0"}
    assert report.median_days.text == "366 days"


def test_median_is_withheld_below_3_reviews(app, partnership):
    assert service.annual_report(partnership.id, YEAR).median_days.text == "no reviews"
    reviewed(partnership, 2)
    assert service.annual_report(partnership.id, YEAR).median_days.text == "fewer than 3"


def test_never_reads_the_identity_table_nor_another_partnership(app, partnership,
                                                                 other_partnership):
    notified(partnership, 3)
    notified(other_partnership, 5)
    reviewed(other_partnership, 4)
    partnership_id = partnership.id
    with count_queries() as statements:
        report = service.annual_report(partnership_id, YEAR)
    assert (report.notified.text, report.completed.text) == ("3", "0")
    assert not [s for s in statements if "cdr_child_identity" in s]
    assert len(statements) == 1


# --- The page ------------------------------------------------------------------------------

def _numbers_shown(page):
    """Every whole number given as a figure: table cells, chart figures, the headline."""
    found = []
    for node in page.html.select("main table td, main svg text[font-weight=bold], #headline dd"):
        found += [int(n.replace(",", "")) for n in re.findall(r"\b\d[\d,]*\b", node.get_text())]
    return found


def test_a_panel_member_never_sees_a_count_under_3(panel_client, partnership):
    notified(partnership, 1, sex="male", age_at_death_days=10)
    notified(partnership, 2, sex="female", age_at_death_days=4000)
    notified(partnership, 5, sex="female", age_at_death_days=500)
    reviewed(partnership, 1, category="infection")
    page = Page(panel_client.get(URL))
    assert page.status == 200
    numbers = _numbers_shown(page)
    assert numbers and not [n for n in numbers if n in (1, 2)]
    assert "fewer than 3" in page.text("#notified-1")
    assert page.html.select_one("#download") is None  # panel members have no exports
    assert panel_client.get(URL.replace("?", "/spreadsheet?")).status_code == 403


def test_each_table_has_a_chart_without_bars_for_suppressed_figures(cdop_client, partnership):
    notified(partnership, 4, age_at_death_days=10)
    notified(partnership, 1, age_at_death_days=500)
    notified(partnership, 6, age_at_death_days=4000)
    page = Page(cdop_client.get(URL))
    svg = page.html.select_one("#notified-1-chart svg")
    assert svg["role"] == "img" and svg.title.get_text() == "Deaths notified by age at death"
    bar_lengths = [float(rect["width"]) for rect in svg.select("rect")]
    assert bar_lengths == [470.0]  # only the 6: no bar for "fewer than 3" nor the hidden 4
    figures = [text.get_text() for text in svg.select("text[font-weight=bold]")]
    assert figures == ["hidden", "0", "fewer than 3", "0", "6", "0", "0", "0"]
    assert len(page.html.select("main figure svg")) == len(page.html.select("main table"))


def test_defaults_to_the_latest_complete_year(cdop_client, partnership):
    page = Page(cdop_client.get("/child-deaths/annual-report"))
    assert page.text("#period") == "Northshire Partnership: 1 April 2024 to 31 March 2025"


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.BUSINESS_UNIT])
def test_roles_without_panel_material_are_refused(client, partnership, role):
    sign_in(client, make_user(role, [partnership]).email)
    assert client.get(URL).status_code == 403
    assert client.get(URL.replace("?", "/spreadsheet?")).status_code == 403


def test_another_partnership_cannot_be_chosen(cdop_client, partnership, other_partnership):
    page = Page(cdop_client.get(URL.replace("NSP", "SVP")))
    assert page.status == 400 and page.errors == ["Select a partnership from the list"]
    assert cdop_client.get(URL.replace("NSP", "SVP").replace("?", "/spreadsheet?")
                           ).status_code == 404


def test_the_page_issues_a_fixed_number_of_queries(cdop_client, partnership):
    notified(partnership, 1)
    with count_queries() as few:
        assert cdop_client.get(URL).status_code == 200
    notified(partnership, 6, sex="male", place_of_death="home", age_at_death_days=3000)
    reviewed(partnership, 5, category="trauma", modifiable_factors="yes")
    with count_queries() as many:
        assert cdop_client.get(URL).status_code == 200
    assert len(many) == len(few)


def test_workbook_holds_suppressed_figures_and_a_chart_per_table(cdop_client, partnership):
    notified(partnership, 4, age_at_death_days=10)
    notified(partnership, 2, age_at_death_days=500)
    notified(partnership, 5, age_at_death_days=4000)
    reviewed(partnership, 3, category="infection")
    _, workbook = download(cdop_client, URL.replace("?", "/spreadsheet?"))
    assert workbook.sheetnames == ["About this file", "Figures", "Charts"]
    rows = sheet_rows(workbook, "Figures")
    ages = {row["Group"]: (row["Number"], row["Shown as"]) for row in rows
            if (row["Measure"], row["Breakdown"]) == (service.NOTIFIED, "Age at death")}
    assert ages["Under 28 days"] == (None, "hidden")
    assert ages["1 to 4 years"] == (None, "fewer than 3")
    assert ages["10 to 14 years"] == (5, "5")
    assert not [row for row in rows if row["Number"] in (1, 2)]
    charts = workbook["Charts"]._charts
    assert len(charts) == len(service.NOTIFIED_DIMENSIONS) + len(
        service.COMPLETED_DIMENSIONS) + 1
    # Printed, each chart keeps its title and names its series, on a page of its own.
    for chart in charts:
        assert chart.title is not None
        assert chart.series[0].tx.v == "Number"
        assert chart.dataLabels.showVal and not chart.dataLabels.showSerName
        assert not chart.dataLabels.showCatName
    assert len(workbook["Charts"].row_breaks.brk) == len(charts)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "export"))
    assert event.partnership_id == partnership.id and "annual report" in event.detail


def test_the_panel_meetings_page_links_to_it(panel_client, partnership):
    link = Page(panel_client.get("/child-deaths/panel-meetings")).html.select_one(
        "#annual-report-link")
    assert link["href"] == "/child-deaths/annual-report"


def test_libreoffice_opens_the_workbook_with_its_charts(cdop_client, partnership, tmp_path):
    command = shutil.which("soffice")
    if command is None:
        pytest.skip("LibreOffice (soffice) not found")
    notified(partnership, 4, age_at_death_days=10)
    response = cdop_client.get(URL.replace("?", "/spreadsheet?"))
    workbook = tmp_path / "annual.xlsx"
    workbook.write_bytes(response.get_data())
    response.close()
    sheets = convert(command, workbook, tmp_path)
    assert set(sheets) == {"About this file", "Figures", "Charts"}
    header, first, *_ = sheets["Figures"]
    assert dict(zip(header, first, strict=True))["Shown as"] == "4"


def test_the_download_link_carries_only_the_choices(cdop_client, partnership):
    page = Page(cdop_client.get(URL + "&endpoint=x&_external=1&_method=y"))
    assert page.status == 200
    assert page.html.select_one("#download")["href"] == (
        "/child-deaths/annual-report/spreadsheet?partnership=NSP&year=2024")


def test_the_workbook_shows_the_figures_the_page_shows(cdop_client, partnership):
    """Both read the tally: every table's cells and totals are the same on page and sheet."""
    notified(partnership, 4, age_at_death_days=10, sex="male", place_of_death="home")
    notified(partnership, 7, age_at_death_days=4000, death_expected="yes")
    reviewed(partnership, 5, category="infection", modifiable_factors="no")
    reviewed(partnership, 1, category="trauma", died=date(2022, 5, 1))
    page = Page(cdop_client.get(URL))
    on_page = {}
    for table in page.html.select("main table.govuk-table"):
        caption = table.caption.get_text(strip=True)
        for row in table.tbody.select("tr"):
            on_page[(caption, row.th.get_text(strip=True))] = row.td.get_text(strip=True)
    _, workbook = download(cdop_client, URL.replace("?", "/spreadsheet?"))
    in_sheet = {(f"{row['Measure']} by {row['Breakdown'].lower()}", row["Group"]):
                row["Shown as"] for row in sheet_rows(workbook, "Figures")
                if row["Breakdown"] != "All" and row["Group"] != "Median (days)"}
    assert on_page == in_sheet
    assert on_page[("Reviews completed by category of death", "Infection")] == "hidden"
    assert on_page[("Deaths notified by age at death", "10 to 14 years")] == "7"
