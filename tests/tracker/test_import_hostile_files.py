"""An upload cannot hold the server: a small workbook that holds, or claims, millions of cells,
and XML declarations in any part whatever its name or encoding, are refused before openpyxl
reads a row, with a GOV.UK error naming the limit, and nothing is imported or kept."""

import io
import re
import zipfile
from datetime import date

import pytest
import sqlalchemy as sa

from cdr.imports import COLUMNS
from cdr.models import ChildDeathCase
from tests.conftest import page
from tests.import_files import field_error, replace_part, upload, workbook, zip_of
from tracker.extensions import db
from tracker.imports.upload import Limits, read_rows

HEADERS = [column.header for column in COLUMNS]
NAME = "child-deaths"
SHEET = "xl/worksheets/sheet1.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@pytest.fixture(autouse=True)
def import_folder(app, tmp_path):
    """Uploads waiting for confirmation go to a folder of the test's own."""
    app.config["IMPORT_FOLDER"] = str(tmp_path / "imports")
    return tmp_path / "imports"


def good_file(rows=1) -> bytes:
    return workbook(HEADERS, [[
        {"Date of death": date(2025, 3, 1), "Date of birth": "Not known", "Sex": "Male",
         "Place of death": "Home", "Local authority where the child normally lived": "North",
         "Expected death": "Yes", "Date the notification was received": date(2025, 3, 3),
         "Given names": f"Named{n}", "Family name": "Invented"}.get(header)
        for header in HEADERS] for n in range(rows)])


def part(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def with_sheet(sheet_data: str, dimension: str = "") -> bytes:
    """The good file with its sheet's rows (and perhaps its claimed dimension) replaced."""
    dimension = f'<dimension ref="{dimension}"/>' if dimension else ""
    return replace_part(good_file(), SHEET, (
        f'<worksheet xmlns="{MAIN}">{dimension}<sheetData>{sheet_data}</sheetData>'
        "</worksheet>").encode())


def numbers(rows: int, columns: int) -> str:
    """Rows of numeric cells, each different, so the part compresses as real data does (far
    below the zip bomb ratio)."""
    letters = [chr(ord("A") + n) for n in range(columns)]
    return "".join(f'<row r="{r}">' + "".join(f'<c r="{x}{r}"><v>{r * 7 + n}</v></c>'
                                              for n, x in enumerate(letters)) + "</row>"
                   for r in range(1, rows + 1))


def with_doctype(xml: bytes) -> bytes:
    """A part with an internal DTD declaring an entity, after its XML declaration."""
    head, _, rest = xml.partition(b"?>") if xml.startswith(b"<?xml") else (b"", b"", xml)
    return head + _ + b'<!DOCTYPE worksheet [<!ENTITY a "aaaa">]>' + rest


def renamed_sheet(data: bytes, new_name: str, new_content: bytes) -> bytes:
    """The workbook with its sheet moved to another part name (the relationship and the
    content type follow it), holding `new_content`."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    del members[SHEET]
    members[new_name] = new_content
    for name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
        members[name] = members[name].replace(f"/{SHEET}".encode(), f"/{new_name}".encode())
    return zip_of(members)


def many_elements(count: int) -> bytes:
    """A styles part holding `count` extra (harmless, varied) elements."""
    styles = part(good_file(), "xl/styles.xml").decode()
    extra = "".join(f'<x n="{n}"/>' for n in range(count))
    return styles.replace("</styleSheet>", f"<extLst>{extra}</extLst></styleSheet>").encode()


def utf16(xml: bytes) -> bytes:
    text = xml.decode()
    text = re.sub(r"^<\?xml[^>]*\?>", "", text)
    return ('<?xml version="1.0" encoding="UTF-16"?>' + text).encode("utf-16")


HOSTILE = {
    "100,010 cells": (lambda: with_sheet(numbers(10_001, 10)),
                      "must have 100,000 cells or fewer on each sheet"),
    "a cell in column CW (101)": (lambda: with_sheet('<row r="1"><c r="A1" t="inlineStr"><is>'
                                                     '<t>Sex</t></is></c><c r="CW1"><v>1</v>'
                                                     "</c></row>"),
                                  "must have 100 columns or fewer on each sheet"),
    "101 cells without references": (lambda: with_sheet("<row>" + "<c><v>1</v></c>" * 101
                                                        + "</row>"),
                                     "must have 100 columns or fewer on each sheet"),
    "a row numbered 100,001": (lambda: with_sheet('<row r="100001"><c r="A100001"><v>1</v></c>'
                                                  "</row>"),
                               "must have 100,000 rows or fewer on each sheet"),
    "a row numbered 1e12": (lambda: with_sheet('<row r="1e12"><c><v>1</v></c></row>'),
                            "must have 100,000 rows or fewer on each sheet"),
    "100,001 empty rows": (lambda: with_sheet("<row/>" * 100_001),
                           "must have 100,000 rows or fewer on each sheet"),
    "a sheet in UTF-16 declaring entities": (
        lambda: replace_part(good_file(), SHEET, utf16(with_doctype(part(good_file(), SHEET)))),
        "damaged and cannot be opened"),
    "a sheet not named .xml declaring entities": (
        lambda: renamed_sheet(good_file(), "xl/worksheets/sheet1.bin",
                              with_doctype(part(good_file(), SHEET))),
        "damaged and cannot be opened"),
    "a relationships part declaring entities": (
        lambda: replace_part(good_file(), "_rels/.rels",
                             with_doctype(part(good_file(), "_rels/.rels"))),
        "damaged and cannot be opened"),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_file_that_would_hold_the_server_is_refused_and_changes_nothing(
        cdop_client, import_folder, kind):
    build, message = HOSTILE[kind]
    data = build()
    assert len(data) < Limits.max_bytes
    response = upload(cdop_client, NAME, data)
    # The test client spools a large multipart body to a temporary file it leaves open.
    response.request.environ["wsgi.input"].close()
    assert response.status_code == 400
    assert message in field_error(response)
    assert message in page(response).select_one(".govuk-error-summary").get_text()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChildDeathCase)) == 0
    assert not import_folder.exists() or not any(import_folder.iterdir()), "an upload was kept"


def test_a_package_of_too_many_elements_is_refused(monkeypatch, cdop_client, import_folder):
    """Every part counts (the styles, say, which openpyxl reads whole), not only the sheets;
    the limit lowered to keep the test quick."""
    from tracker.imports import upload as reading

    monkeypatch.setattr(reading, "MAX_ELEMENTS", 20_000)
    assert upload(cdop_client, NAME, replace_part(good_file(), "xl/styles.xml",
                                                  many_elements(19_000))).status_code == 200
    response = upload(cdop_client, NAME, replace_part(good_file(), "xl/styles.xml",
                                                      many_elements(20_001)))
    assert "cannot be opened safely" in field_error(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChildDeathCase)) == 0


def test_the_hostile_files_are_readable_when_they_are_fixed(cdop_client):
    """The same workbooks without what is refused are read: the parts renamed or in UTF-16
    are not refused for their name or encoding, only for their declarations."""
    data = good_file()
    for fixed in (renamed_sheet(data, "xl/worksheets/sheet1.bin", part(data, SHEET)),
                  replace_part(data, SHEET, utf16(part(data, SHEET)))):
        assert upload(cdop_client, NAME, fixed).status_code == 200


def test_the_limits_are_where_they_say(app, cdop_client):
    """A sheet just at each configured limit is read; one past it is refused, naming it."""
    data = good_file(rows=2)  # a header and two rows of cases
    sheet = part(data, SHEET).decode()
    cells = len(re.findall(r"<c ", sheet))
    for setting, at, message in (("IMPORT_MAX_COLUMNS", len(HEADERS), "columns or fewer"),
                                 ("IMPORT_MAX_SHEET_ROWS", 3, "rows or fewer"),
                                 ("IMPORT_MAX_CELLS", cells, "cells or fewer")):
        app.config[setting] = at
        assert upload(cdop_client, NAME, data).status_code == 200, setting
        app.config[setting] = at - 1
        refused = upload(cdop_client, NAME, data)
        assert refused.status_code == 400
        assert f"must have {at - 1:,} {message}" in field_error(refused)
        del app.config[setting]


def test_a_claimed_dimension_is_not_read_as_cells():
    """A sheet may claim any dimension: only the cells it holds are read (padded out to the
    claim, A1:XFD1048576 made 17 billion empty cells of two real rows)."""
    data = with_sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>Sex</t></is></c></row>'
                      '<row r="3"><c r="B3"><v>7</v></c></row>', dimension="A1:XFD1048576")
    rows = read_rows(data, Limits())
    assert [(number, [cell.value for cell in cells]) for number, cells in rows] == [
        (1, ["Sex"]), (3, [None, 7])]


def test_openpyxl_reads_with_defusedxml():
    """The second guard behind the check of every part: openpyxl picks defusedxml up by itself
    when it is installed (requirements.txt), and then refuses entity declarations too."""
    import openpyxl
    from openpyxl.xml.functions import iterparse

    assert openpyxl.DEFUSEDXML and iterparse.__module__.startswith("defusedxml")
