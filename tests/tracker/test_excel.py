"""The shared workbook writer: cover sheet, typed and safe cells, frozen header, download."""

import io
import stat
import tempfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from openpyxl.chart import BarChart, Reference

from tracker import excel
from tracker.audit import Action, AuditEvent
from tracker.extensions import db

MADE_AT = datetime(2026, 7, 1, 13, 5)  # naive UTC: 14:05 in London (BST)
COLUMNS = [excel.Column("Reference"), excel.Column("Date of death", excel.DATE),
           excel.Column("Recorded at", excel.DATETIME), excel.Column("Count", excel.NUMBER),
           excel.Column("Notes", width=50), excel.Column("Flag")]


def _cover(**extra):
    return excel.Cover(title="Test export", description="Cases for the test.",
                       made_by="Ann Admin", made_at=MADE_AT,
                       filters=[("Stage", "Closed"), ("Search", "smith")],
                       unrecorded={"Search"}, **extra)


def _build(rows, decorate=None):
    out = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder:
        counts = excel.build_workbook(
            _cover(), [excel.ExportSheet("Cases", COLUMNS, rows, decorate=decorate)], out,
            Path(folder))
    out.seek(0)
    return counts, openpyxl.load_workbook(out)


ROW = ("CDOP-NSP-2026-0001", date(2026, 3, 2), datetime(2026, 3, 2, 9, 30), 3, "Plain", True)


def test_the_first_sheet_says_what_the_file_is_who_made_it_when_and_the_filters():
    counts, book = _build([ROW, ROW])
    assert book.sheetnames == ["About this file", "Cases"]
    values = [[c for c in row if c is not None]
              for row in book["About this file"].iter_rows(values_only=True)]
    flat = [value for row in values for value in row]
    assert "OFFICIAL-SENSITIVE" in flat
    assert "Test export" in flat and "Cases for the test." in flat
    assert ["Made by", "Ann Admin"] in values
    assert ["Made on", datetime(2026, 7, 1, 14, 5)] in values  # shown in London time
    assert ["Stage", "Closed"] in values and ["Search", "smith"] in values
    assert ["Cases", "2 rows"] in values
    assert counts == {"Cases": 2}
    assert book["Cases"].oddHeader.center.text == "OFFICIAL-SENSITIVE"


def test_data_sheet_has_a_frozen_bold_header_a_filter_widths_and_real_dates():
    _, book = _build([ROW] * 3)
    sheet = book["Cases"]
    assert [c.value for c in sheet[1]] == [c.header for c in COLUMNS]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:F4"
    assert sheet.column_dimensions["E"].width == 50
    assert sheet.column_dimensions["B"].width >= 13
    died, recorded = sheet["B2"], sheet["C2"]
    assert died.is_date and died.value == datetime(2026, 3, 2)
    assert died.number_format == excel.DATE_FORMAT
    assert recorded.is_date and recorded.value == datetime(2026, 3, 2, 9, 30)
    assert recorded.number_format == excel.DATETIME_FORMAT
    assert sheet["D2"].data_type == "n" and sheet["D2"].value == 3
    assert sheet["F2"].value == "Yes"


def test_every_sheet_prints_on_a4_fitted_to_the_width_with_its_marking_and_page_numbers():
    wide = [excel.Column(f"Column {n}", width=30) for n in range(6)]
    out = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder:
        excel.build_workbook(_cover(), [excel.ExportSheet("Cases", COLUMNS, [ROW]),
                                        excel.ExportSheet("Wide", wide, [("x",) * 6])],
                             out, Path(folder))
    out.seek(0)
    book = openpyxl.load_workbook(out)
    for sheet in book.worksheets:
        assert sheet.page_setup.paperSize == 9  # A4
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.oddHeader.center.text == "OFFICIAL-SENSITIVE"
        assert sheet.oddFooter.center.text == "Page &P of &N"
        assert sheet.oddFooter.right.text == "OFFICIAL-SENSITIVE"
    # The header row on every printed page of a data sheet; landscape only when wide.
    assert book["Cases"].print_title_rows == "$1:$1"
    assert book["About this file"].page_setup.orientation == "portrait"
    assert book["Wide"].page_setup.orientation == "landscape"


def test_long_text_wraps_in_its_cells_and_short_text_stays_on_one_line():
    long_text = "A summary of what the review found, with its detail. " * 12
    columns = [*COLUMNS, excel.Column("Reason", width=30, wrap=True),
               excel.Column("Code", width=50, wrap=False)]
    rows = [(*ROW[:4], long_text, True, "Short reason", long_text),
            (*ROW[:4], "=" + long_text, False, "-Dropped", "x")]
    out = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder:
        excel.build_workbook(_cover(), [excel.ExportSheet("Cases", columns, rows)], out,
                             Path(folder))
    out.seek(0)
    sheet = openpyxl.load_workbook(out)["Cases"]
    # "Notes" (50 characters wide, text): long text, wrapped and top-aligned; so is a column
    # marked to wrap; not one marked not to, nor the short, date or number columns.
    assert [bool(sheet.cell(2, n).alignment.wrap_text) for n in range(1, 9)] == [
        False, False, False, False, True, False, True, False]
    assert sheet["E2"].alignment.vertical == "top"
    assert sheet["E2"].value == long_text
    assert (sheet.column_dimensions["E"].width, sheet.column_dimensions["G"].width) == (50, 30)
    # Formula-like long text: still quoted text, and wrapped.
    assert sheet["E3"].quotePrefix and sheet["E3"].data_type == "s"
    assert sheet["E3"].alignment.wrap_text and sheet["G3"].quotePrefix
    assert not sheet["E1"].alignment.wrap_text  # the header row stays as it was
    assert sheet["B2"].is_date and sheet["B2"].number_format == excel.DATE_FORMAT


def test_a_sheet_of_long_text_is_built_in_constant_memory():
    """Written row by row (write-only), never held whole: five times the rows of wrapped long
    text take about the same peak memory."""
    import tracemalloc

    long_text = "A summary of what the review found, with its detail. " * 12

    def peak(count):
        rows = ((*ROW[:4], f"{n} {long_text}", True) for n in range(count))
        tracemalloc.start()
        try:
            with tempfile.TemporaryDirectory() as folder:
                excel.build_workbook(_cover(), [excel.ExportSheet("Cases", COLUMNS, rows)],
                                     io.BytesIO(), Path(folder))
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(1_000), peak(5_000)
    # 4,000 more rows of ~650 characters would be 2.6 MB more if they were held.
    assert large - small < 1_000_000, (small, large)


def test_aware_datetimes_are_shown_in_london_time():
    from datetime import UTC

    row = ("R", None, datetime(2026, 1, 15, 23, 30, tzinfo=UTC), None, None, False)
    _, book = _build([row])
    assert book["Cases"]["C2"].value == datetime(2026, 1, 15, 23, 30)  # GMT in winter
    assert book["Cases"]["F2"].value == "No"


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://evil.example\",\"Click\")", "=1+1",
                                  "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"])
def test_text_that_looks_like_a_formula_is_written_as_quoted_text(text):
    _, book = _build([("R", None, None, None, text, False)])
    notes = book["Cases"]["E2"]
    assert notes.data_type == "s"
    assert notes.value == text
    assert notes.quotePrefix


def test_ordinary_text_is_unchanged_and_illegal_characters_are_dropped():
    _, book = _build([("R", None, None, None, "Fell \x00from\x07 a wall", False),
                      ("R2", None, None, None, "x" * 40_000, False)])
    assert book["Cases"]["E2"].value == "Fell from a wall"
    assert not book["Cases"]["E2"].quotePrefix
    assert len(book["Cases"]["E3"].value) == excel.CELL_LIMIT


def test_an_empty_export_still_has_its_header_and_filter():
    counts, book = _build([])
    assert counts == {"Cases": 0}
    assert book["Cases"].auto_filter.ref == "A1:F1"
    assert ["Cases", "0 rows"] in [list(r[:2]) for r in
                                   book["About this file"].iter_rows(values_only=True)]


def test_a_sheet_can_carry_an_openpyxl_chart():
    def chart(worksheet, count):
        bars = BarChart()
        bars.title = "Counts"
        bars.add_data(Reference(worksheet, min_col=4, min_row=1, max_row=count + 1),
                      titles_from_data=True)
        worksheet.add_chart(bars, "H2")

    _, book = _build([ROW, ROW], decorate=chart)
    assert len(book["Cases"]._charts) == 1


def test_rows_may_be_a_generator_and_are_read_once():
    consumed = []

    def rows():
        for n in range(5):
            consumed.append(n)
            yield (f"R{n}", None, None, n, None, False)

    counts, book = _build(rows())
    assert counts == {"Cases": 5} and consumed == [0, 1, 2, 3, 4]
    assert book["Cases"]["D6"].value == 4


def test_send_workbook_downloads_the_file_and_audits_filters_and_row_count(app, partnership):
    with app.test_request_context():
        response = excel.send_workbook(
            _cover(), [excel.ExportSheet("Cases", COLUMNS, [ROW] * 7)], "cases.xlsx",
            partnership_ids=[partnership.id], audit_as="Test export")
        response.direct_passthrough = False
        body = response.get_data()
        response.close()  # as the WSGI server does: closes the temporary file
    assert response.mimetype == excel.XLSX_MIMETYPE
    assert response.headers["Content-Disposition"] == "attachment; filename=cases.xlsx"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.content_length == len(body)
    assert openpyxl.load_workbook(io.BytesIO(body))["Cases"].max_row == 8
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == Action.EXPORT.value)).one()
    assert event.partnership_id == partnership.id
    assert event.object_type == "Test export"
    assert event.detail.startswith("Test export: Cases 7 rows. Filters: Stage: Closed")
    # A search may be a child's name: the trail says one was given, never what it was.
    assert "Search: given" in event.detail and "smith" not in event.detail


def test_rows_reach_a_stream_that_takes_elements_only_as_parsed_markup():
    """With lxml installed, openpyxl's stream takes elements, not markup."""
    from tracker.excel_rows import _emitter

    class ElementStream:
        written = []

        def write(self, element):
            self.written.append(element)

    stream = ElementStream()
    _emitter(stream)('<row r="2"><c r="A2" t="inlineStr"><is><t>x &amp; y</t></is></c></row>')
    (row,) = stream.written
    assert row.tag == "row" and row.find("c/is/t").text == "x & y"


def test_a_large_sheet_is_written_quickly():
    """The fast row path: 20,000 rows of six columns in a few seconds, not minutes."""
    import time

    began = time.perf_counter()
    counts, book = _build([ROW] * 20_000)
    assert counts == {"Cases": 20_000}
    assert time.perf_counter() - began < 30
    assert book["Cases"]["A20001"].value == ROW[0]
    assert book["Cases"]["B20001"].is_date


@pytest.mark.parametrize("day", [date(1900, 1, 1), date(1900, 2, 28), date(1900, 3, 1),
                                 date(2024, 2, 29), date(2026, 12, 31)])
def test_date_serials_are_those_openpyxl_and_excel_use(day):
    from openpyxl.utils.datetime import to_excel

    from tracker.excel_rows import _serial

    assert _serial(day) == to_excel(day)


def test_enums_show_their_labels_and_other_values_their_text():
    from decimal import Decimal

    from tracker.deadlines import DeadlineStatus
    from tracker.roles import Role

    _, book = _build([(DeadlineStatus.OVERDUE, None, None, Decimal("2.5"), Role.AUDITOR, 7)])
    sheet = book["Cases"]
    assert sheet["A2"].value == "Overdue"
    assert sheet["D2"].value == 2.5 and sheet["D2"].data_type == "n"
    assert sheet["E2"].value == "Read-only auditor"
    assert sheet["F2"].value == 7


def test_a_download_nobody_closes_leaves_no_open_file(app, partnership):
    """A test client (or a server dropping a response) may never close it: no warning."""
    import gc

    with app.test_request_context():
        response = excel.send_workbook(
            _cover(), [excel.ExportSheet("Cases", COLUMNS, [ROW])], "cases.xlsx")
    del response
    gc.collect()  # a ResourceWarning here would fail the test (filterwarnings = error)


def test_a_workbook_is_built_in_the_export_folder_never_the_system_temporary_folder(
        app, partnership, tmp_path, monkeypatch):
    """A process killed mid-build must not leave the children's details in /tmp: the sheets'
    XML and the spilled download are in a private folder of the build's own, in the export
    folder, and gone when the build ends."""
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))
    monkeypatch.setattr(excel, "SPOOL_BYTES", 1024)  # the download spills to disk too
    exports = tmp_path / "exports"
    app.config["EXPORT_DIR"] = str(exports)
    seen = []

    def rows():
        for n in range(500):
            if n == 250:  # mid-build: what is on disk, and where
                seen.extend((path, stat.S_IMODE(path.stat().st_mode))
                            for path in sorted(exports.rglob("*")))
                assert list(system_temp.iterdir()) == []
            yield ROW

    with app.test_request_context():
        response = excel.send_workbook(
            _cover(), [excel.ExportSheet("Cases", COLUMNS, rows())], "cases.xlsx")
        response.direct_passthrough = False
        body = response.get_data()
        response.close()
    assert openpyxl.load_workbook(io.BytesIO(body))["Cases"].max_row == 501
    folder, *files = seen
    assert folder[0].parent == exports and folder[0].name.endswith(".tmp")
    assert folder[1] == 0o700
    assert files and all(path.parent == folder[0] and mode == 0o600 for path, mode in files)
    assert list(exports.iterdir()) == []
    assert list(system_temp.iterdir()) == []
