"""Excel workbooks for every export: a cover sheet, streamed data sheets, safe cells, download.

The API, for the domains' exports:

    cover = Cover(title="Child death case list", description="…", made_by=user.full_name,
                  made_at=utcnow(), filters=[("Stage", "Any"), ("Search", "ann")],
                  unrecorded={"Search"})
    sheet = ExportSheet("Cases", [Column("Reference"), Column("Date of death", DATE)], rows)
    response = send_workbook(cover, [sheet], "child-death-cases.xlsx",
                             audit_as="Child death case list", partnership_ids=ids)

- `rows` is any iterable of tuples (a generator reading the database in batches keeps a
  100,000-row export small): the workbook is openpyxl's write-only (streaming) kind, whose rows
  go to a temporary file as they are written (as markup, by tracker.excel_rows: openpyxl's
  cell-by-cell append is too slow for 100,000 rows). Values: str, int, float, Decimal, date,
  datetime, bool (shown "Yes"/"No"), an enum (its `label`), None (an empty cell).
- The first sheet says what the file is, when and by whom it was made, the filters used, how
  many rows each sheet holds, and "OFFICIAL-SENSITIVE" (also printed in every page header).
- Data sheets have a bold, frozen header row, an autofilter over the rows written, column
  widths from each `Column`, and real date cells (dates and datetimes with a number format;
  stored naive-UTC datetimes are shown in Europe/London).
- Text that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is written as text with
  Excel's quote prefix (what Excel does when a user types `'=…`), so neither Excel nor
  LibreOffice ever runs it as a formula, and editing the cell keeps it text. The text itself is
  unchanged. Characters XML cannot hold are dropped, and text is cut at Excel's cell limit.
- `ExportSheet(…, decorate=callback)`: `callback(worksheet, row_count)` runs after the rows and
  before the sheet closes, to add openpyxl charts (write-only sheets support `add_chart`) or
  anything else that goes at the end of a sheet.
- `describe_form(form, skip)` lists a GET filter form's filled-in fields as (label, value) for
  the cover, as the user chose them.
- `build_workbook(cover, sheets, target)` writes to a file object and returns the row counts;
  `send_workbook` builds into a spooled temporary file, audits the export (EXPORT, one row
  per partnership, with the rows per sheet and the filters, `unrecorded` filters named but
  not their values; `audit_as`/`audit_id` name the object) and returns the download
  response, streamed from that file in chunks with its length.
- Nothing of a workbook is ever written to the system's temporary folder (a killed process
  would leave the children's details there): each build's temporary files (openpyxl's sheet
  XML, the spooled download) go in a folder of its own inside the export folder
  (`scratch_folder`, 0700, its files 0600), removed when the build ends. A folder left by a
  killed process is removed by the scheduler's sweep (tracker.export_jobs.remove_orphans).
"""

import enum
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from flask import current_app, send_file
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter

from tracker import audit
from tracker.excel_rows import RowWriter
from tracker.extensions import db
from tracker.timeutil import LONDON, format_date

TEXT, DATE, DATETIME, NUMBER = "text", "date", "datetime", "number"
MARKING = "OFFICIAL-SENSITIVE"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "d mmm yyyy"
DATETIME_FORMAT = "d mmm yyyy hh:mm"
# Characters that make a spreadsheet read text as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel holds at most this many characters in a cell.
CELL_LIMIT = 32_767
# Exports up to this size stay in memory; larger ones spill to a temporary file.
SPOOL_BYTES = 8 * 1024 * 1024
# A build's folder of temporary files in the export folder: `<name>.tmp`.
SCRATCH_SUFFIX = ".tmp"
_DEFAULT_WIDTHS = {DATE: 13, DATETIME: 18, NUMBER: 10}
_BOLD = Font(bold=True)
# A text column at least this wide holds long text (a summary, a reason, recommendations):
# its text wraps within the cell, top-aligned, unless the column says otherwise.
WRAP_FROM = 40


@dataclass(frozen=True)
class Column:
    """A data sheet's column: its header, the kind of value, and its width in characters."""

    header: str
    kind: str = TEXT
    width: int | None = None
    wrap: bool | None = None  # None: wraps when a text column of WRAP_FROM characters or more

    @property
    def wraps(self) -> bool:
        """Whether the column's text wraps within its cells (long text)."""
        if self.wrap is not None:
            return self.wrap
        return self.kind == TEXT and self.display_width >= WRAP_FROM

    @property
    def display_width(self):
        """The width to set: the one given, else one that fits the header and the kind."""
        if self.width:
            return self.width
        return max(len(self.header) + 3, _DEFAULT_WIDTHS.get(self.kind, 14))


@dataclass
class ExportSheet:
    """One data sheet: a title (31 characters at most), its columns, and its rows."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]
    decorate: Callable | None = None


@dataclass
class Cover:
    """What the first sheet says about the file."""

    title: str
    description: str
    made_by: str
    made_at: datetime
    filters: list[tuple[str, str]] = field(default_factory=list)
    # Filters whose values never go into the audit trail (a search may be a child's name).
    unrecorded: frozenset | set = frozenset()

    def audit_detail(self, counts: dict[str, int]):
        """The audit row's detail: what was exported, rows per sheet, and the filters."""
        shown = [f"{label}: {'given' if label in self.unrecorded else value}"
                 for label, value in self.filters]
        sheets = ", ".join(f"{title} {_rows(count)}" for title, count in counts.items())
        return f"{self.title}: {sheets}. Filters: {'; '.join(shown) or 'none'}"


def _rows(count):
    """'1 row', '2,500 rows'."""
    return f"{count:,} row{'' if count == 1 else 's'}"


def safe_text(text):
    """Text as a cell may hold it: no characters XML forbids, no longer than Excel allows."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:CELL_LIMIT]


def to_excel_datetime(value):
    """A datetime as Excel holds it: naive Europe/London (stored naive datetimes are UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LONDON).replace(tzinfo=None)


def cell(worksheet, value):
    """A value as a write-only cell (or plain value) that is safe and typed for Excel."""
    if isinstance(value, enum.Enum):
        value = getattr(value, "label", value.value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return _formatted(worksheet, to_excel_datetime(value), DATETIME_FORMAT)
    if isinstance(value, date):
        return _formatted(worksheet, value, DATE_FORMAT)
    if isinstance(value, str):
        return _text_cell(worksheet, safe_text(value))
    return value


def _formatted(worksheet, value, number_format):
    """A date or datetime cell with its number format, so Excel sorts and filters it as a date."""
    result = WriteOnlyCell(worksheet, value)
    result.number_format = number_format
    return result


def _text_cell(worksheet, text):
    """Text; one that a spreadsheet would read as a formula becomes quoted text."""
    if not text.startswith(FORMULA_STARTS):
        return text
    result = WriteOnlyCell(worksheet)
    result.value = text
    # openpyxl makes any str starting with "=" a formula: force it back to a string.
    result.data_type = "s"
    result.quotePrefix = True
    return result


def _header_cell(worksheet, text):
    """A bold header cell."""
    result = WriteOnlyCell(worksheet, safe_text(text))
    result.font = _BOLD
    return result


# A sheet wider than this many characters prints landscape.
LANDSCAPE_FROM = 110
_A4 = 9  # openpyxl's paperSize for A4


def _mark(worksheet, width: int = 0, header_row: bool = False):
    """Set the sheet to print sensibly: the protective marking at the top of every page, the
    page number and count at the bottom, A4 fitted to the page's width (landscape when wide),
    and a data sheet's header row repeated on every page."""
    worksheet.oddHeader.center.text = MARKING
    worksheet.oddHeader.center.font = "Arial,Bold"
    worksheet.oddFooter.left.text = "&A"  # the sheet's name
    worksheet.oddFooter.center.text = "Page &P of &N"
    worksheet.oddFooter.right.text = MARKING
    setup = worksheet.page_setup
    setup.paperSize = _A4
    setup.orientation = "landscape" if width > LANDSCAPE_FROM else "portrait"
    setup.fitToWidth, setup.fitToHeight = 1, 0  # as many pages down as it takes
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True
    if header_row:
        worksheet.print_title_rows = "1:1"


def _write_data_sheet(worksheet, sheet: ExportSheet) -> int:
    """The header, frozen and filtered, then every row; returns how many rows were written."""
    for index, column in enumerate(sheet.columns, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = column.display_width
    worksheet.freeze_panes = "A2"
    _mark(worksheet, sum(column.display_width for column in sheet.columns), header_row=True)
    writer = RowWriter(worksheet, date_format=DATE_FORMAT, datetime_format=DATETIME_FORMAT,
                       formula_starts=FORMULA_STARTS, text=safe_text,
                       to_datetime=to_excel_datetime, header_font=_BOLD)
    count = writer.write([column.header for column in sheet.columns], sheet.rows,
                         wrapped=[column.wraps for column in sheet.columns])
    last = get_column_letter(max(len(sheet.columns), 1))
    worksheet.auto_filter.ref = f"A1:{last}{count + 1}"
    if sheet.decorate is not None:
        sheet.decorate(worksheet, count)
    return count


def _write_cover(worksheet, cover: Cover, counts: dict[str, int]):
    """The first sheet: the marking, what the file is, who made it and when, filters, rows."""
    worksheet.column_dimensions["A"].width = 24
    worksheet.column_dimensions["B"].width = 80
    _mark(worksheet, 24 + 80)
    title = WriteOnlyCell(worksheet, safe_text(cover.title))
    title.font = Font(bold=True, size=16)
    marking = WriteOnlyCell(worksheet, MARKING)
    marking.font = Font(bold=True, color="C00000")
    wrapped = WriteOnlyCell(worksheet, safe_text(cover.description))
    wrapped.alignment = Alignment(wrap_text=True, vertical="top")
    rows = [[marking], [title], [_header_cell(worksheet, "What this file is"), wrapped],
            [_header_cell(worksheet, "Made on"),
             cell(worksheet, cover.made_at.replace(microsecond=0))],
            [_header_cell(worksheet, "Made by"), cell(worksheet, cover.made_by)], [],
            [_header_cell(worksheet, "Filters used")]]
    rows += [[cell(worksheet, label), cell(worksheet, value)] for label, value in cover.filters]
    if not cover.filters:
        rows.append(["None: every record you may see"])
    rows += [[], [_header_cell(worksheet, "Sheets")]]
    rows += [[cell(worksheet, title), _rows(count)] for title, count in counts.items()]
    rows += [[], [f"{MARKING}: handle, store and share this file as the partnership's "
                  "information-sharing agreement says. Do not e-mail it outside secure mail."]]
    for row in rows:
        worksheet.append(row)


def export_folder() -> Path:
    """The folder of built exports and of builds' temporary files, the app's user's only."""
    folder = Path(current_app.config["EXPORT_DIR"]
                  or os.path.join(current_app.instance_path, "exports"))
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


@contextmanager
def scratch_folder(name: str | None = None) -> Iterator[Path]:
    """A new folder, 0700, in the export folder for one build's temporary files, removed with
    them when the build ends (however it ends, short of the process being killed).

    `name` is the export job's token (so the folder belongs to the job); an inline build's
    folder has a random name.
    """
    name = name or f"inline-{secrets.token_urlsafe(24)}"
    folder = export_folder() / f"{name}{SCRATCH_SUFFIX}"
    folder.mkdir(mode=0o700)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class _SheetWriter(WorksheetWriter):
    """openpyxl's sheet writer, on a file we made (not one it lists for removal at exit)."""

    def cleanup(self):
        os.remove(self.out)


def _spill_into(worksheet, folder: Path) -> None:
    """Make a write-only sheet write its XML to a private file in `folder`.

    openpyxl makes the sheet's writer (and its file, in the system's temporary folder) when
    the first row is written, after the columns and panes are set; this sheet's own
    `_get_writer` does the same with a file in `folder`. Only this one sheet is changed, so
    builds in other threads are untouched.
    """
    def get_writer():
        if worksheet._writer is None:  # noqa: SLF001
            handle, path = tempfile.mkstemp(prefix="sheet-", suffix=".xml", dir=folder)
            os.close(handle)  # mkstemp makes it 0600; openpyxl reopens it by name
            worksheet._writer = _SheetWriter(worksheet, out=path)  # noqa: SLF001
            worksheet._writer.write_top()  # noqa: SLF001
    worksheet._get_writer = get_writer  # noqa: SLF001


def build_workbook(cover: Cover, sheets: Sequence[ExportSheet], target,
                   folder: Path | None = None) -> dict[str, int]:
    """Write the workbook to a file object; returns {sheet title: rows written}.

    The sheets' temporary files go in `folder`, or in a scratch folder of this build's own.
    """
    if folder is None:
        with scratch_folder() as scratch:
            return build_workbook(cover, sheets, target, scratch)
    workbook = Workbook(write_only=True)
    workbook.properties.title = cover.title
    workbook.properties.creator = "Child death and practice review tracker"
    workbook.properties.keywords = MARKING

    def new_sheet(title):
        worksheet = workbook.create_sheet(title)
        _spill_into(worksheet, folder)
        return worksheet

    front = new_sheet("About this file")
    counts = {}
    for sheet in sheets:
        counts[sheet.title] = _write_data_sheet(new_sheet(sheet.title), sheet)
    _write_cover(front, cover, counts)
    workbook.save(target)
    return counts


def describe_form(form, skip=()) -> list[tuple[str, str]]:
    """(label, value as the user chose it) for each filled-in field of a filter form."""
    described = []
    for each in form:
        if each.name in skip or each.name == "csrf_token" or not each.data:
            continue
        value = each.data
        choices = dict(_choice_pairs(getattr(each, "choices", None) or ()))
        if isinstance(value, bool):
            value = "Yes"
        elif isinstance(value, date):
            value = format_date(value)
        else:
            value = choices.get(str(value), str(value))
        described.append((str(each.label.text), value))
    return described


def _choice_pairs(choices):
    """(value, label) of each of a select field's choices (SelectChoice objects or pairs)."""
    for choice in choices:
        if hasattr(choice, "value"):
            yield str(choice.value), str(choice.label)
        else:
            yield str(choice[0]), str(choice[1])


def audit_export(cover: Cover, counts: dict[str, int], partnership_ids=(), object_type=None,
                 object_id=None):
    """An EXPORT audit row per partnership: what was exported, its filters and row counts."""
    for partnership_id in sorted(partnership_ids) or [None]:
        audit.record(audit.Action.EXPORT, object_type=object_type or cover.title,
                     object_id=object_id, partnership_id=partnership_id,
                     detail=cover.audit_detail(counts))


class _ExportFile(tempfile.SpooledTemporaryFile):
    """The built workbook: in memory up to SPOOL_BYTES, then on disk.

    The WSGI server closes the response, which closes the file. A response nobody closes (a
    test client's, one abandoned by the server) closes it when collected, quietly: the
    standard class would warn, and the test suite turns warnings into errors.
    """

    def __del__(self):
        self.close()


def send_workbook(cover: Cover, sheets: Sequence[ExportSheet], filename: str, *,
                  partnership_ids=(), audit_as=None, audit_id=None):
    """Build the workbook, audit the export (committed), and return it as a download.

    `audit_as` and `audit_id` name the audit row's object (default: the cover's title).
    """
    with scratch_folder() as folder:
        # Past SPOOL_BYTES the file goes to disk here, unnamed (removed when closed).
        spooled = _ExportFile(max_size=SPOOL_BYTES, dir=folder)
        try:
            counts = build_workbook(cover, sheets, spooled, folder)
        except BaseException:
            spooled.close()
            raise
    audit_export(cover, counts, partnership_ids, object_type=audit_as,
                 object_id=audit_id)
    db.session.commit()
    size = spooled.tell()
    spooled.seek(0)
    response = send_file(spooled, mimetype=XLSX_MIMETYPE, as_attachment=True,
                         download_name=filename, max_age=0, conditional=False, etag=False)
    response.content_length = size
    response.headers["Cache-Control"] = "no-store"
    return response
