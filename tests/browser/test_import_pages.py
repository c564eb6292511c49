"""A CDOP administrator imports a spreadsheet in Chromium: the import page, a file refused,
a file with problems by row and column, then a good file previewed and imported. Every page
on the way passes axe with the real Content-Security-Policy on."""

from datetime import date

import pytest

from cdr.imports import COLUMNS
from tests.browser import assert_no_axe_violations, assert_page_healthy
from tests.import_files import workbook
from tracker.roles import Role

pytestmark = pytest.mark.browser
HEADERS = [column.header for column in COLUMNS]


def _row(**changes):
    values = {"Date of death": date(2025, 3, 1), "Date of birth": "Not known", "Sex": "Male",
              "Place of death": "Home", "Local authority where the child normally lived": "N",
              "Expected death": "Yes", "Date the notification was received": date(2025, 3, 3),
              **changes}
    return [values.get(header) for header in HEADERS]


def _healthy(page):
    assert_page_healthy(page)
    assert_no_axe_violations(page)


def _upload(page, path, data):
    path.write_bytes(data)
    page.get_by_label("Upload a file").set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state("load")


def test_import_child_death_cases_from_a_spreadsheet(page, live_server, sign_in_as, tmp_path):
    live_server.app.config["IMPORT_FOLDER"] = str(tmp_path / "pending")
    sign_in_as(Role.CDOP_ADMIN)
    page.get_by_role("link", name="Import", exact=True).click()
    _healthy(page)
    page.get_by_role("link", name="Import child death cases").click()
    _healthy(page)

    _upload(page, tmp_path / "notes.xlsx", b"not a spreadsheet")
    assert "must be an Excel workbook" in page.locator(".govuk-error-summary").inner_text()
    _healthy(page)

    _upload(page, tmp_path / "cases.xlsx",
            workbook(HEADERS, [_row(Sex="Boy"), _row(**{"Date of death": date(2099, 1, 1)})]))
    assert page.locator("#problems tbody tr").count() == 3
    _healthy(page)

    page.get_by_role("link", name="Upload the file again").click()
    _upload(page, tmp_path / "cases.xlsx", workbook(HEADERS, [_row(), _row(Sex="Female")]))
    assert page.locator("#rows tbody tr").count() == 2
    _healthy(page)
    page.get_by_role("button", name="Import 2 child death cases").click()
    page.wait_for_load_state("load")
    assert "2 child death cases imported" in page.locator(".govuk-notification-banner").inner_text()
    _healthy(page)
