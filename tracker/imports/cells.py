"""Turning one spreadsheet cell into a value of its column's kind, or a GOV.UK message."""

from __future__ import annotations

from datetime import date, datetime

from tracker.calendar import FIRST_DAY, LAST_DAY
from tracker.imports.spec import CHOICE, DATE, WHOLE_NUMBER, YES_NO, Column
from tracker.imports.upload import Cell
from tracker.text import has_control

# A cell starting with one of these would run as a formula when the data is exported and
# opened in Excel or LibreOffice: refused, like a formula, rather than stored.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
YES = {"yes", "y", "true"}
NO = {"no", "n", "false"}
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")
_LINE_BREAKS = str.maketrans("", "", "\r\n\t")  # what a multi-line cell may hold


class CellProblem(ValueError):
    """The cell cannot be read as its column's kind; the message says why."""


def parse(column: Column, cell: Cell | None):
    """The cell's value for this column (None when empty); raises CellProblem."""
    if cell is not None and cell.formula:
        raise CellProblem(f"{column.header} must be a value, not a formula")
    raw = None if cell is None else cell.value
    if isinstance(raw, str):
        raw = raw.replace("\x00", "").strip()
    if raw is None or raw == "":
        if column.required:
            raise CellProblem(column.required)
        return None
    if isinstance(raw, str) and raw.lower() in _lower(column.words):
        return _lower(column.words)[raw.lower()]
    value = _READERS.get(column.kind, _text)(column, raw)
    message = column.check(value) if column.check and value is not None else None
    if message:
        raise CellProblem(message)
    return value


def _lower(words):
    return {word.lower(): value for word, value in words.items()}


def _text(column, raw):
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # a number typed into a text column (an NHS number, say)
    if isinstance(raw, datetime | date | bool):
        raise CellProblem(f"{column.header} must be text")
    text = str(raw)
    if text.startswith(FORMULA_STARTS):
        raise CellProblem(f"{column.header} must not start with =, +, -, @ or a tab: a "
                          "spreadsheet would run it as a formula")
    if len(text) > column.max_length:
        raise CellProblem(f"{column.header} must be {column.max_length} characters or fewer")
    if column.multiline:
        if has_control(text.translate(_LINE_BREAKS)):
            raise CellProblem(f"{column.header} must not contain control characters other "
                              "than line breaks and tabs")
    elif has_control(text):
        raise CellProblem(f"{column.header} must be on one line, without line breaks, tabs "
                          "or other control characters")
    return text


def _date(column, raw):
    if isinstance(raw, datetime):
        value = raw.date()
    elif isinstance(raw, date):
        value = raw
    elif isinstance(raw, str):
        value = _date_from_text(column, raw)
    else:
        raise CellProblem(f"{column.header} must be a real date, like 27/03/2025")
    if not FIRST_DAY <= value <= LAST_DAY:
        raise CellProblem(f"{column.header} must be between {FIRST_DAY.year} and "
                          f"{LAST_DAY.year}")
    return value


def _date_from_text(column, raw):
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise CellProblem(f"{column.header} must be a real date, like 27/03/2025")


def _choice(column, raw):
    wanted = str(raw).strip().lower()
    for value, label in column.choices.items():
        if wanted in (value.lower(), label.lower()):
            return value
    allowed = ", ".join(column.choices.values())
    raise CellProblem(f"{column.header} must be one of: {allowed}")


def _yes_no(column, raw):
    if isinstance(raw, bool):
        return raw
    wanted = str(raw).strip().lower()
    if wanted in YES:
        return True
    if wanted in NO:
        return False
    raise CellProblem(f"{column.header} must be Yes or No")


def _whole_number(column, raw):
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    text = str(raw).strip()
    if isinstance(raw, str) and text.isascii() and text.isdigit() and len(text) <= 6:
        return int(text)
    raise CellProblem(f"{column.header} must be a whole number, like 3")


_READERS = {DATE: _date, CHOICE: _choice, YES_NO: _yes_no, WHOLE_NUMBER: _whole_number}
