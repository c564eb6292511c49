"""Fast rows for openpyxl's write-only sheets: the cells' XML written as markup, row by row.

openpyxl's own `append` makes a Cell object and several XML calls for every cell (about 40
microseconds each here): a 100,000-row export of 40 columns would take minutes. This writes
each row's `<row>` markup in one go into the same stream, after the sheet's top (columns,
frozen pane) and before its tail (filter, header and footer, charts), which openpyxl still
writes. Values are typed as `tracker.excel.cell` types them: dates and datetimes as numbers
with a date format, formula-like text as quote-prefixed inline text, never a formula. The
text of a long-text column (`write(..., wrapped=...)`) wraps within its cell, aligned to the top,
so a printed or opened sheet shows all of a summary rather than one cut line.

It relies on openpyxl 3.1.5's write-only internals (the sheet's WorksheetWriter and its
`xf` stream, `_rows`), pinned in requirements.txt; tests/tracker/test_excel.py opens the
result with openpyxl and tests/cdr/test_exports_libreoffice.py with LibreOffice.
"""

import enum
import re
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.xml.functions import fromstring

# A long-text column's cells: the text wraps within the cell, read from the top.
_WRAP = Alignment(wrap_text=True, vertical="top")


class RowWriter:
    """Writes a write-only sheet's rows as markup; `write(rows)` returns how many."""

    def __init__(self, worksheet, *, date_format, datetime_format, formula_starts,
                 text, to_datetime, header_font):
        self.worksheet = worksheet
        self.formula_starts = formula_starts
        self.text = text  # makes text safe for a cell (tracker.excel.safe_text)
        self.to_datetime = to_datetime  # a datetime as Excel holds it (London, naive)
        self.styles = {
            "date": _style_id(worksheet, number_format=date_format),
            "datetime": _style_id(worksheet, number_format=datetime_format),
            "quoted": _style_id(worksheet, quotePrefix=True),
            "header": _style_id(worksheet, font=header_font),
            "wrapped": _style_id(worksheet, alignment=_WRAP),
            "quoted_wrapped": _style_id(worksheet, quotePrefix=True, alignment=_WRAP),
        }
        self.letters = []
        self.tables = []  # each column's writers by type (a long-text column's wrap text)
        # The cell writer for each common type of value, looked up by type (fast).
        self._writers = {str: self._text, date: self._date, datetime: self._datetime,
                         bool: self._bool, int: self._number, float: self._number,
                         Decimal: self._number}
        self._wrapped_writers = {**self._writers, str: self._wrapped_text}

    def write(self, header, rows, wrapped=()) -> int:
        """The bold header row, then every row; returns the number of rows after the header.
        `wrapped`: for each column, whether its text wraps (a long-text column)."""
        self.letters = [get_column_letter(n) for n in range(1, len(header) + 1)]
        wraps = list(wrapped) + [False] * (len(header) - len(wrapped))
        self.tables = [self._wrapped_writers if wrap else self._writers for wrap in wraps]
        sheet = self.worksheet
        sheet._get_writer()  # noqa: SLF001 (writes the sheet's top: columns, panes)
        stream = sheet._writer.xf  # noqa: SLF001
        xf = stream.send(True)
        emit = _emitter(xf)
        count = 0
        with xf.element("sheetData"):
            emit(self._header(header))
            for count, values in enumerate(rows, start=1):
                emit(self._row(count + 1, values))
        stream.send(None)
        # The rows are written: closing the sheet must not write an empty sheetData again.
        sheet._rows = (row for row in ())  # noqa: SLF001
        return count

    def _header(self, header) -> str:
        style = self.styles["header"]
        cells = "".join(_text_cell(f"{letter}1", self.text(str(title)), style)
                        for letter, title in zip(self.letters, header, strict=False))
        return f'<row r="1">{cells}</row>'

    def _row(self, number, values) -> str:
        fallback = self._other
        cells = "".join((writers.get(type(value)) or fallback)(f"{letter}{number}", value)
                        for letter, writers, value
                        in zip(self.letters, self.tables, values, strict=False)
                        if value is not None)
        return f'<row r="{number}">{cells}</row>'

    def _text(self, ref, value) -> str:
        text = self.text(value)
        if not text:
            return ""
        quoted = self.styles["quoted"] if text.startswith(self.formula_starts) else None
        return _text_cell(ref, text, quoted)

    def _wrapped_text(self, ref, value) -> str:
        text = self.text(value)
        if not text:
            return ""
        style = "quoted_wrapped" if text.startswith(self.formula_starts) else "wrapped"
        return _text_cell(ref, text, self.styles[style])

    def _date(self, ref, value) -> str:
        return f'<c r="{ref}" s="{self.styles["date"]}"><v>{_serial(value)}</v></c>'

    def _datetime(self, ref, value) -> str:
        serial = to_excel(self.to_datetime(value))
        return f'<c r="{ref}" s="{self.styles["datetime"]}"><v>{serial!r}</v></c>'

    def _bool(self, ref, value) -> str:
        return _text_cell(ref, "Yes" if value else "No")

    def _number(self, ref, value) -> str:
        return f'<c r="{ref}"><v>{value}</v></c>'

    def _other(self, ref, value) -> str:
        """A value of a less common type: an enum (its label), a subclass, or text."""
        if isinstance(value, enum.Enum):
            return self._text(ref, str(getattr(value, "label", value.value)))
        for kind, writer in ((bool, self._bool), (datetime, self._datetime),
                             (date, self._date), (int | float | Decimal, self._number)):
            if isinstance(value, kind):
                return writer(ref, value)
        return self._text(ref, str(value))


# Excel's day 0 (its serial numbers count days from 30 December 1899).
_EXCEL_EPOCH = date(1899, 12, 30).toordinal()


def _serial(day) -> int:
    """A date as Excel's serial number: openpyxl's to_excel for a date, without its per-call
    checks (an export writes hundreds of thousands). Excel counts a 29 February 1900 that
    never was, so days before 1 March 1900 are one less."""
    days = day.toordinal() - _EXCEL_EPOCH
    return days - 1 if 0 < days <= 60 else days


def _text_cell(ref, text, style=None) -> str:
    """Inline text (spaces at either end kept), with a style when given."""
    styled = f' s="{style}"' if style is not None else ""
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}"{styled} t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>'


def _escape(text) -> str:
    """Text escaped for XML; a carriage return kept as one (XML would read it as a line feed)."""
    if _NEEDS_ESCAPE.search(text) is None:
        return text
    return escape(text).replace("\r", "&#13;")


_NEEDS_ESCAPE = re.compile("[&<>\r]")


def _style_id(worksheet, **style):
    """The workbook's id of a cell style (registered once, shared by every cell using it)."""
    prototype = WriteOnlyCell(worksheet)
    for name, value in style.items():
        setattr(prototype, name, value)
    return prototype.style_id


def _emitter(xf):
    """A function writing a row's markup into the sheet's stream.

    openpyxl's pure-Python stream (et_xmlfile) takes markup as it is; lxml's takes elements,
    so with lxml installed each row is parsed first (still far faster than cell by cell).
    """
    raw = getattr(xf, "_file", None)
    if callable(raw):
        return raw
    return lambda markup: xf.write(fromstring(markup))

