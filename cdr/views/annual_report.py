"""The child death review partners' annual report data: tables, charts and a workbook.

Every figure is suppressed below 3 for everyone (cdr.services.annual_report), so the page is
open to all who may see panel material, panel members included; the workbook to those of
them who may export. Opening the page is not audited (it shows no case), the workbook is.
"""

from typing import NamedTuple

from flask import abort, render_template, request, url_for
from flask_login import current_user
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.series import SeriesLabel
from openpyxl.worksheet.pagebreak import Break

from cdr import bp
from cdr.services import annual_report as service
from forms.cdr.annual_report import AnnualReportForm
from tracker.charts import Bar, bar_chart
from tracker.compliance import latest_complete_year
from tracker.excel import NUMBER, Column, Cover, ExportSheet, send_workbook
from tracker.roles import Permission
from tracker.security import permission_required
from tracker.suppression import HIDDEN_NOTE
from tracker.timeutil import format_date, london_today, utcnow

SUPPRESSION_NOTE = ("A figure of 1 or 2 is shown as “fewer than 3”, so no child can be "
                    "recognised; " + HIDDEN_NOTE + ".")


class Chosen(NamedTuple):
    """The page's form and, when the choices are good, the partnership and its report."""

    form: AnnualReportForm
    partnership: object
    report: service.AnnualReport | None


def _chosen() -> Chosen:
    """Read the choices: by default the user's first partnership and the latest complete
    reporting year (the one a partners' report is written about)."""
    today = london_today()
    partnerships = sorted(current_user.partnerships, key=lambda p: p.name)
    years = service.reporting_years(today)
    form = AnnualReportForm(formdata=request.args or None, meta={"csrf": False},
                            partnerships=partnerships, years=years, today=today,
                            default_year=latest_complete_year(today).start.year)
    valid = form.validate() if request.args else bool(partnerships)
    chosen = next((p for p in partnerships if p.code == form.partnership.data), None)
    if not valid or chosen is None:
        return Chosen(form, chosen, None)
    period = next(p for p in years if str(p.start.year) == form.year.data)
    return Chosen(form, chosen, service.annual_report(chosen.id, period))


def chart_of(table: service.Breakdown):
    """A breakdown as a bar chart: suppressed figures get their text and no bar."""
    return bar_chart(f"{table.measure} by {table.title.lower()}",
                     [Bar(label, cell.value, cell.text) for label, cell in table.rows])


def _download_url(chosen: Chosen) -> str | None:
    """The workbook's link, with the choices shown (only those: never the raw query)."""
    if chosen.report is None:
        return None
    return url_for("cdr.annual_report_spreadsheet", partnership=chosen.partnership.code,
                   year=chosen.report.period.start.year)


@bp.route("/annual-report")
@permission_required(Permission.VIEW_PANEL_PACK)
def annual_report():
    """The report's tables and charts for the chosen partnership and year."""
    chosen = _chosen()
    page = render_template("cdr/annual_report/index.html", form=chosen.form,
                           partnership=chosen.partnership, report=chosen.report,
                           chart_of=chart_of, suppression_note=SUPPRESSION_NOTE,
                           download_url=_download_url(chosen))
    return page, (400 if chosen.form.errors else 200)


# --- The workbook --------------------------------------------------------------------------

COLUMNS = (Column("Measure", width=20), Column("Breakdown", width=32),
           Column("Group", width=48), Column("Number", NUMBER), Column("Shown as", width=16))


def _sheet_rows(report: service.AnnualReport):
    """(rows of the figures sheet, [(title, first row, last row)] of each breakdown's groups)."""
    median = report.median_days
    rows = [(service.NOTIFIED, "All", "Total", report.notified.value, report.notified.text),
            (service.COMPLETED, "All", "Total", report.completed.value, report.completed.text),
            (service.COMPLETED, "Time from death to review completion", "Median (days)",
             median.value, median.text)]
    spans = []
    for table in [*report.breakdowns, report.time_to_review]:
        first = len(rows) + 2  # the sheet's row number: after the header row
        rows += [(table.measure, table.title, label, cell.value, cell.text)
                 for label, cell in table.rows]
        spans.append((f"{table.measure} by {table.title.lower()}", first, len(rows) + 1))
        rows.append((table.measure, table.title, "Total", table.total.value, table.total.text))
    return rows, spans


# Rows of the charts sheet per chart: a chart fills them, then a page break.
CHART_ROWS = 24


def _charts(spans):
    """decorate() of the charts sheet: one horizontal bar chart per breakdown of the Figures
    sheet, each with its title, its series named and its figures as plain numbers (printed,
    an unnamed series with default labels read "Not recorded; Column D; 0"), each on its own
    printed page."""
    def decorate(worksheet, _count):
        for number, (title, first, last) in enumerate(spans):
            chart = BarChart()
            chart.type, chart.style, chart.title = "bar", 10, title
            chart.legend = None
            chart.y_axis.title = "Number"
            chart.add_data(Reference(range_string=f"'Figures'!$D${first}:$D${last}"))
            chart.set_categories(Reference(range_string=f"'Figures'!$C${first}:$C${last}"))
            chart.series[0].tx = SeriesLabel(v="Number")
            chart.dataLabels = DataLabelList(showVal=True, showSerName=False,
                                             showCatName=False, showLegendKey=False,
                                             showPercent=False)
            chart.height, chart.width = 11, 24
            worksheet.add_chart(chart, f"A{2 + number * CHART_ROWS}")
            worksheet.row_breaks.append(Break(id=(number + 1) * CHART_ROWS))
    return decorate


@bp.route("/annual-report/spreadsheet")
@permission_required(Permission.EXPORT)
def annual_report_spreadsheet():
    """The report's figures as a workbook with the same charts (audited)."""
    if not current_user.can(Permission.VIEW_PANEL_PACK):
        abort(403)
    chosen = _chosen()
    if chosen.report is None:
        abort(404)
    period = chosen.report.period
    rows, spans = _sheet_rows(chosen.report)
    cover = Cover(
        title="Child death review annual report data",
        description=(
            "Deaths notified to the CDOP and reviews completed in the reporting year, by age "
            "at death, sex, expected or unexpected death, place of death, category of death, "
            "modifiable factors and time from death to review completion, with a chart of "
            f"each. {SUPPRESSION_NOTE} It holds no detail of any child."),
        made_by=f"{current_user.full_name} ({current_user.email})", made_at=utcnow(),
        filters=[("Partnership", chosen.partnership.name),
                 ("Reporting year", f"{format_date(period.start)} to {format_date(period.end)}")])
    sheets = [ExportSheet("Figures", COLUMNS, rows),
              ExportSheet("Charts", [Column("A chart of each breakdown on the Figures sheet, "
                                            "one to a printed page", width=90)], [],
                          decorate=_charts(spans))]
    return send_workbook(cover, sheets,
                         f"child-death-annual-report-{chosen.partnership.code}-"
                         f"{period.start.year}-{period.end.year}.xlsx",
                         partnership_ids=[chosen.partnership.id],
                         audit_as="Child death annual report")
