"""Reading an uploaded spreadsheet safely: every check that can be made before openpyxl
parses anything, then the cells of one sheet as plain values.

An .xlsx is a zip of XML parts. Its zip directory says how large each part becomes, and
Python's zipfile never inflates a part beyond the size its directory declares, so the sizes
and ratios checked here bound what openpyxl will read. Nothing is extracted to disk.

Then every part, whatever its name, is streamed once through expat (the parser openpyxl uses
here: lxml is not installed, and defusedxml, which openpyxl then uses by itself, is) before
openpyxl reads it: a document type or entity declaration is refused in any encoding expat
reads, the package's elements are counted, and each sheet's real rows, columns and cells
(not the dimension the sheet claims) are bounded, so a small file that inflates to millions of
cells is refused in a fraction of a second instead of holding the request for a minute.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from xml.parsers import expat

MB = 1024 * 1024
# An encrypted (password-protected) .xlsx, and an Excel 97-2003 .xls, are OLE compound files.
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
ZIP_MAGIC = b"PK\x03\x04"
REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
# Generous for a workbook of a few thousand rows; far below anything that hurts the server.
MAX_MEMBERS = 200
MAX_UNCOMPRESSED = 100 * MB
MAX_RATIO = 100
# Parts smaller than this may compress as well as they like (an empty sheet compresses 1:200).
RATIO_FLOOR = 1 * MB
# Elements in all the XML of the package: a sheet at the cell limit has 200,000 to 300,000
# (a cell and its value, and its text when written inline). Counting them costs about a
# microsecond each; openpyxl's reading many more.
MAX_ELEMENTS = 500_000
# Excel's own grid: a row number beyond it is no workbook's.
EXCEL_ROWS = 1_048_576


class UploadRefused(ValueError):
    """The upload cannot be read; the message is what the user is told."""


@dataclass(frozen=True)
class Limits:
    """How large an upload may be, and how many rows its sheet may hold."""

    max_bytes: int = 5 * MB
    max_rows: int = 1000
    # Each sheet as its XML holds it, counted before openpyxl reads a row: rows counting
    # blank and formatted ones, the rightmost column, and cells counting empty formatted ones.
    max_sheet_rows: int = 100_000
    max_columns: int = 100
    max_cells: int = 100_000


def check_container(data: bytes, limits: Limits) -> None:
    """Refuse an upload that is too large, empty, encrypted, not a zip, or a zip bomb."""
    if not data:
        raise UploadRefused("The selected file is empty")
    if len(data) > limits.max_bytes:
        raise UploadRefused(f"The selected file must be smaller than {_size(limits.max_bytes)}")
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_STREAM in data:
            raise UploadRefused("The selected file is protected with a password: save it "
                                "without a password and upload it again")
        raise UploadRefused("The selected file is an Excel 97-2003 workbook (.xls): save it as "
                            "an Excel workbook (.xlsx) and upload it again")
    if not data.startswith(ZIP_MAGIC):
        raise UploadRefused("The selected file must be an Excel workbook (.xlsx)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_members(archive.infolist())
    except UploadRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
        raise UploadRefused("The selected file is damaged and cannot be opened: save it "
                            "again as an Excel workbook (.xlsx)") from None


def _check_members(members) -> None:
    """The zip directory: a workbook's parts, of a size and ratio a real workbook has."""
    if len(members) > MAX_MEMBERS:
        raise UploadRefused(_TOO_BIG)
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if total > MAX_UNCOMPRESSED or (member.file_size > RATIO_FLOOR and ratio > MAX_RATIO):
            raise UploadRefused(_TOO_BIG)
    names = {member.filename for member in members}
    if any(part not in names for part in REQUIRED_PARTS):
        raise UploadRefused("The selected file is not a complete Excel workbook (.xlsx): "
                            "save it again from Excel or LibreOffice")


_TOO_BIG = ("The selected file cannot be opened safely: it expands to far more data than a "
            "spreadsheet of cases holds. Save it again with only the cases to import")


def check_parts(data: bytes, limits: Limits) -> None:
    """Stream every part of the package through expat, whatever its name or encoding: refuse
    a document type or entity declaration, more than MAX_ELEMENTS elements in all, and a
    sheet over the limits. A part expat cannot read is no XML openpyxl's parser (expat too)
    can read either: left to openpyxl, which refuses it as damaged if the workbook needs it."""
    budget = [MAX_ELEMENTS]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.infolist():
                with archive.open(member) as part:
                    _PartScan(limits, budget).read(part)
    except UploadRefused:
        raise
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError,
            ValueError, zlib.error):
        raise UploadRefused(_MALFORMED) from None


class _PartScan:
    """One part through expat: its declarations, its elements and, for a sheet (a part whose
    root is a worksheet), its rows and cells counted as openpyxl would number them (a row's
    number from its `r`, else the one after; every child of a row is a cell, its column from
    its `r`, else the one after)."""

    CHUNK = 64 * 1024

    def __init__(self, limits: Limits, budget: list[int]):
        self.limits, self.budget = limits, budget
        self.sheet = None  # unknown until the root element opens
        self.open_rows: list[bool] = []  # for each open element: whether it is a row
        self.rows = self.row = self.column = self.cells = 0
        parser = self.parser = expat.ParserCreate(namespace_separator="}")
        parser.StartDoctypeDeclHandler = self._declaration
        parser.EntityDeclHandler = self._declaration
        parser.ordered_attributes = True  # a list of names and values: quicker than a dict
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end

    def read(self, part) -> None:
        try:
            while chunk := part.read(self.CHUNK):
                self.parser.Parse(chunk, False)
            self.parser.Parse(b"", True)
        except expat.ExpatError:
            return  # not XML (an image, say), or broken XML: openpyxl refuses what it needs

    def _declaration(self, *_):
        raise UploadRefused(_MALFORMED)

    def _start(self, name, attributes):
        self.budget[0] -= 1
        if self.budget[0] < 0:
            raise UploadRefused(_TOO_BIG)
        local = name.rpartition("}")[2]
        if self.sheet is None:
            self.sheet = local == "worksheet"
        is_row = bool(self.sheet) and local == "row"
        if self.sheet and self.open_rows and self.open_rows[-1]:
            self._cell(_attribute(attributes, "r"))
        if is_row:
            self._row(_attribute(attributes, "r"))
        self.open_rows.append(is_row)

    def _end(self, _name):
        self.open_rows.pop()

    def _row(self, reference):
        self.row = self.row + 1 if reference is None else _row_number(reference)
        self.rows += 1
        self.column = 0
        if max(self.row, self.rows) > min(self.limits.max_sheet_rows, EXCEL_ROWS):
            raise UploadRefused(f"The selected file must have {self.limits.max_sheet_rows:,} "
                                "rows or fewer on each sheet, counting blank rows: delete the "
                                "rows below the cases")

    def _cell(self, reference):
        self.column = _column_number(reference) if reference else self.column + 1
        self.cells += 1
        if self.column > self.limits.max_columns:
            raise UploadRefused(f"The selected file must have {self.limits.max_columns} "
                                "columns or fewer on each sheet: delete the columns to the "
                                "right of the cases")
        if self.cells > self.limits.max_cells:
            raise UploadRefused(f"The selected file must have {self.limits.max_cells:,} cells "
                                "or fewer on each sheet, counting empty formatted cells: copy "
                                "just the cases into a new workbook and upload that")


def _attribute(attributes: list[str], name: str) -> str | None:
    """An attribute's value from expat's ordered list of names and values (None: absent)."""
    for index in range(0, len(attributes), 2):
        if attributes[index] == name:
            return attributes[index + 1]
    return None


def _row_number(text: str) -> int:
    """A row's `r` as openpyxl reads it (a whole number, perhaps written as a float)."""
    try:
        return int(text)
    except ValueError:
        number = float(text)  # ValueError: malformed
        if not number.is_integer():
            raise
        return int(number) if abs(number) < 2 * EXCEL_ROWS else EXCEL_ROWS + 1


_COLUMN = re.compile(r"\$?([A-Za-z]+)")


def _column_number(reference: str) -> int:
    """The column of a cell reference such as `B7` (A is 1); past Excel's 16,384 for
    letters no sheet has (openpyxl refuses those anyway)."""
    match = _COLUMN.match(reference)
    if match is None:
        return 0
    letters = match.group(1).upper()
    if len(letters) > 3:
        return 16_385
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


_MALFORMED = ("The selected file is damaged and cannot be opened: save it again as an Excel "
              "workbook (.xlsx)")


@dataclass(frozen=True)
class Cell:
    """A cell's value as openpyxl read it, and whether it held a formula."""

    value: object
    formula: bool = False


def read_rows(data: bytes, limits: Limits,
              sheet_title: str | None = None) -> list[tuple[int, list[Cell]]]:
    """(row number, cells) of each row that holds anything, on the named sheet (else the
    first); formulas are read as their text, never evaluated. Refuses a malformed workbook
    or too many rows."""
    check_container(data, limits)
    check_parts(data, limits)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False,
                                 keep_links=False)
        try:
            return _sheet_rows(workbook, limits, sheet_title)
        finally:
            workbook.close()
    except UploadRefused:
        raise
    except Exception:  # noqa: BLE001 (openpyxl raises anything on a malformed part: never a 500)
        raise UploadRefused(_MALFORMED) from None


def _sheet_rows(workbook, limits, sheet_title):
    if not workbook.worksheets:
        raise UploadRefused("The selected file has no sheet of cases")
    sheet = (workbook[sheet_title] if sheet_title in workbook.sheetnames
             else workbook.worksheets[0])
    # Rows as the file holds them, not padded out to the dimension the sheet claims (a
    # claimed A1:XFD1048576 would make 17 billion empty cells of a few real ones).
    sheet.reset_dimensions()
    rows = []
    for number, row in enumerate(sheet.iter_rows(), start=1):
        cells = [Cell(cell.value, getattr(cell, "data_type", None) == "f") for cell in row]
        if all(cell.value is None or cell.value == "" for cell in cells):
            continue  # blank or only formatted: not a case
        rows.append((number, cells))
        # The header row, then the data rows: one more than that means too many.
        if len(rows) > limits.max_rows + 1:
            raise UploadRefused(f"The selected file must have {limits.max_rows:,} rows of "
                                "cases or fewer: split it into smaller files")
    return rows


def _size(n: int) -> str:
    """A byte count as people say it: '5 MB', '512 KB'."""
    return f"{n // MB} MB" if n >= MB and n % MB == 0 else f"{max(n // 1024, 1)} KB"
