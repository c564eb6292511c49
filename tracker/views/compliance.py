"""Deadline compliance: per rule, the deadlines of a partnership due in a period, met on
time, late, missed or outstanding, as a table, a chart and a workbook.

Users who may see the cases of at least one domain (and auditors, who see both) open it,
and count only the deadlines of the domains they may see; the system administrator and
panel members, who see no case records, do not. Opening the page is not audited (it shows
counts, no case), the workbook is.
"""

from typing import NamedTuple

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user
from openpyxl.chart import BarChart, Reference

from forms.compliance import ComplianceForm
from tracker import compliance
from tracker.charts import Series, StackedRow, stacked_bar_chart
from tracker.domains import deadline_owners_for
from tracker.excel import NUMBER as NUMBER_CELL
from tracker.excel import Column, Cover, ExportSheet, send_workbook
from tracker.roles import Permission
from tracker.security import permission_required
from tracker.timeutil import format_date, london_today, utcnow

bp = Blueprint("compliance", __name__, url_prefix="/deadline-compliance")

OUTCOMES = (("met_on_time", "Met on time"), ("met_late", "Met late"), ("missed", "Missed"),
            ("outstanding", "Outstanding"))


class Report(NamedTuple):
    """What the page and the workbook show."""

    form: ComplianceForm
    partnership: object
    period: compliance.Period | None
    rows: list
    total: object
    today: object


def _owner_types():
    """The deadline owners the user may see; 403 when they may see no domain's cases."""
    types = [owner for owners, _ in deadline_owners_for(current_user) for owner in owners]
    if not types:
        abort(403)
    return types


def _report() -> Report:
    """Read the choices (defaults: the user's first partnership, this reporting year)."""
    owner_types = _owner_types()
    today = london_today()
    partnerships = sorted(current_user.partnerships, key=lambda p: p.name)
    form = ComplianceForm(formdata=request.args or None, meta={"csrf": False},
                          partnerships=partnerships, period=compliance.reporting_year(today))
    valid = form.validate() if request.args else bool(partnerships)
    chosen = next((p for p in partnerships if p.code == form.partnership.data), None)
    if not valid or chosen is None:
        return Report(form, chosen, None, [], None, today)
    period = compliance.Period(form.date_from.data, form.date_to.data)
    rows, total = compliance.rule_compliance(chosen.id, period, owner_types, today)
    return Report(form, chosen, period, rows, total, today)


def chart(report: Report):
    """The stacked bar chart of the outcomes per rule (None when nothing counts)."""
    if not report.rows:
        return None
    rows = [StackedRow(row.title, [getattr(row, key) for key, _ in OUTCOMES],
                       f"{row.met_on_time:,} of {row.decided:,} on time" if row.decided
                       else "none decided yet")
            for row in report.rows]
    return stacked_bar_chart(
        "Deadlines due in the period, by rule and outcome",
        [Series(label) for _, label in OUTCOMES], rows)


def _download_url(report: Report) -> str | None:
    """The workbook's link, with the choices shown (only those: never the raw query)."""
    if report.period is None:
        return None
    start, end = report.period
    return url_for("compliance.spreadsheet", partnership=report.partnership.code,
                   date_from=[start.day, start.month, start.year],
                   date_to=[end.day, end.month, end.year])


@bp.route("/")
@permission_required(Permission.VIEW_TIMESCALES)
def index():
    """The compliance table and chart for the chosen partnership and period."""
    report = _report()
    page = render_template("tracker/compliance/index.html", report=report, form=report.form,
                           chart=chart(report), outcomes=OUTCOMES,
                           download_url=_download_url(report))
    return page, (400 if report.form.errors else 200)


_COLUMNS = (Column("Rule", width=60), Column("Due in the period", NUMBER_CELL),
            Column("Met on time", NUMBER_CELL), Column("Met late", NUMBER_CELL),
            Column("Missed", NUMBER_CELL), Column("Outstanding", NUMBER_CELL),
            Column("Paused", NUMBER_CELL), Column("Not applicable", NUMBER_CELL),
            Column("Extended", NUMBER_CELL), Column("Met on time (% of decided)", NUMBER_CELL),
            Column("Median days late", NUMBER_CELL))


def _sheet_row(row):
    return (row.title, row.due, row.met_on_time, row.met_late, row.missed, row.outstanding,
            row.paused, row.not_applicable, row.extended, row.percent_on_time,
            row.median_days_late)


def _chart_of_rows(rule_count):
    """decorate(): the page's chart as an openpyxl stacked bar chart of the rule rows."""
    def decorate(worksheet, _count):
        chart = BarChart()
        chart.type, chart.grouping, chart.overlap = "bar", "stacked", 100
        chart.title = "Deadlines due in the period, by rule and outcome"
        # Columns C to F: met on time, met late, missed, outstanding (headers as series names).
        chart.add_data(Reference(worksheet, min_col=3, max_col=6, min_row=1,
                                 max_row=rule_count + 1), titles_from_data=True)
        chart.set_categories(Reference(worksheet, min_col=1, min_row=2,
                                       max_row=rule_count + 1))
        chart.height, chart.width = max(8, rule_count * 1.2), 24
        worksheet.add_chart(chart, "M2")
    return decorate


@bp.route("/spreadsheet")
@permission_required(Permission.EXPORT)
def spreadsheet():
    """The same figures as a workbook, audited with the partnership, period and row count."""
    report = _report()
    if report.period is None:
        abort(404)
    period = f"{format_date(report.period.start)} to {format_date(report.period.end)}"
    cover = Cover(
        title="Deadline compliance",
        description=(
            "For each rule, the partnership's deadlines whose due date falls in the period: "
            "how many were met on time, met late (median calendar days late), missed (not met "
            f"and past their due or extended date on {format_date(report.today)}) and "
            "outstanding; paused and not applicable deadlines are counted apart. It holds "
            "no detail of any case."),
        made_by=f"{current_user.full_name} ({current_user.email})", made_at=utcnow(),
        filters=[("Partnership", report.partnership.name), ("Period", period),
                 ("Counted on", format_date(report.today))])
    rows = [*map(_sheet_row, report.rows), *([_sheet_row(report.total)] if report.total else [])]
    sheet = ExportSheet("Compliance by rule", _COLUMNS, rows,
                        decorate=_chart_of_rows(len(report.rows)))
    return send_workbook(cover, [sheet],
                         f"deadline-compliance-{report.partnership.code}-"
                         f"{report.period.start.isoformat()}-to-{report.period.end.isoformat()}.xlsx",
                         partnership_ids=[report.partnership.id],
                         audit_as="Deadline compliance")
