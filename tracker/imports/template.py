"""The documented template of an import: a sheet of headers and a sheet of notes."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from tracker.imports.spec import CHOICE, DATE, WHOLE_NUMBER, YES_NO, Column, ImportSpec

FORMATS = {
    DATE: "A date: a date cell, or text like 27/03/2025 or 2025-03-27",
    YES_NO: "Yes or No",
    WHOLE_NUMBER: "A whole number",
    CHOICE: "One of the allowed values",
}
NOTES_HEADERS = ("Column", "Required", "Format", "Allowed values", "Notes", "Example")


def workbook_bytes(spec: ImportSpec) -> bytes:
    """The template as .xlsx bytes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = spec.sheet_title
    sheet.append([column.header for column in spec.columns])
    for index, column in enumerate(spec.columns, start=1):
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(index)].width = max(14, len(column.header) + 2)
        if column.kind == DATE:
            # Typed dates become real date cells, read the same whatever the locale.
            for row in range(2, 1002):
                sheet.cell(row=row, column=index).number_format = "DD/MM/YYYY"
    sheet.freeze_panes = "A2"
    _notes(workbook.create_sheet("Notes"), spec)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _notes(sheet, spec):
    sheet.append([f"{spec.title}: how to fill in the '{spec.sheet_title}' sheet"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([spec.description])
    sheet.append(["OFFICIAL-SENSITIVE once filled in. One row per record, under the headers "
                  "of the first sheet; keep the headers as they are. Every row is checked "
                  "and nothing is imported until every problem is put right. Cells must "
                  "hold values, not formulas; text must not start with =, +, -, @ or a tab."])
    sheet.append([])
    sheet.append(list(NOTES_HEADERS))
    for cell in sheet[5]:
        cell.font = Font(bold=True)
    for column in spec.columns:
        sheet.append(_note_row(column))
    for letter, width in zip("ABCDEF", (38, 10, 34, 50, 60, 24), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=6):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _note_row(column: Column) -> list[str]:
    allowed = list(column.choices.values()) + list(column.words)
    fmt = FORMATS.get(column.kind, f"Text, {column.max_length} characters or fewer")
    return [column.header, "Yes" if column.required else "No", fmt, ", ".join(allowed),
            column.notes, column.example]
