"""Helpers for tests of spreadsheet downloads: fetch one, open it, read its cells."""

import io
from datetime import date, datetime

import openpyxl

from tracker.excel import XLSX_MIMETYPE


def download(client, url, status=200):
    """GET a spreadsheet download; returns (response, workbook opened by openpyxl)."""
    response = client.get(url)
    body = response.get_data()
    response.close()  # as a WSGI server does: closes the spooled file
    assert response.status_code == status, f"{url} answered {response.status_code}"
    assert response.mimetype == XLSX_MIMETYPE
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return response, openpyxl.load_workbook(io.BytesIO(body))


def sheet_rows(workbook, title):
    """A sheet as a list of dicts, one per row after the header."""
    rows = list(workbook[title].iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def as_text(value):
    """A cell value as text, dates in the forms people write them, for 'never shown' checks."""
    if isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        return " ".join([day.isoformat(), f"{day.day} {day:%B %Y}", f"{day:%d/%m/%Y}"])
    return "" if value is None else str(value)


def workbook_text(workbook):
    """Every cell of every sheet as one text (headers included)."""
    return "\n".join(as_text(value) for sheet in workbook.worksheets
                     for row in sheet.iter_rows(values_only=True) for value in row)
