"""Reading an uploaded spreadsheet safely: every check that can be made before openpyxl
parses anything, then the cells of one sheet as plain values.

An .xlsx is a zip of XML parts. Its zip directory says how large each part becomes, and
Python's zipfile never inflates a part beyond the size its directory declares, so the sizes
and ratios checked here bound what openpyxl will read. Nothing is extracted to disk.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

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


class UploadRefused(ValueError):
    """The upload cannot be read; the message is what the user is told."""


@dataclass(frozen=True)
class Limits:
    """How large an upload may be, and how many rows its sheet may hold."""

    max_bytes: int = 5 * MB
    max_rows: int = 1000


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


def check_xml(data: bytes) -> None:
    """Refuse XML parts that declare a document type (a workbook never does; an entity
    expansion attack must). The declaration can only come before the root element, which a
    real part opens within its first few hundred bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.infolist():
            if member.filename.endswith((".xml", ".rels", ".vml")):
                with archive.open(member) as part:
                    head = part.read(HEAD_BYTES)
                if _declares_a_doctype(head, complete=len(head) < HEAD_BYTES):
                    raise UploadRefused(_MALFORMED)


HEAD_BYTES = 64 * 1024
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_ROOT = re.compile(rb"<[A-Za-z_]")


def _declares_a_doctype(head: bytes, complete: bool) -> bool:
    """Whether the start of a part declares a DOCTYPE or entities before its root element
    (or hides its root element beyond HEAD_BYTES, behind comments, say)."""
    prolog = _COMMENT.sub(b"", head)
    root = _ROOT.search(prolog)
    if root is None:
        return not complete and bool(head)
    return b"<!DOCTYPE" in prolog[:root.start()].upper() or b"<!ENTITY" in prolog.upper()


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
    check_xml(data)
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
