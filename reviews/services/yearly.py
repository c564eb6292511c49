"""The safeguarding partners' yearly report: each one published starts the next one's 12
months (`yearly_report`, met when the next is published) and its copies' 7 calendar days to
the Panel and the What Works Centre (`yearly_report_copies`).

Plain functions taking `today`; none commits.
"""

from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
from flask import abort

from reviews.models import YearlyReport
from reviews.services.incidents import check, not_before, not_future
from tracker import deadline_service, deadlines
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.timeutil import format_date

FIELDS = ("published_on", "url", "copies_sent_on")


def report_or_404(report_id: int, partnership_ids) -> YearlyReport:
    """A yearly report of one of these partnerships, or 404."""
    found = db.session.scalar(sa.select(YearlyReport).where(
        YearlyReport.id == report_id, YearlyReport.partnership_id.in_(list(partnership_ids))))
    if found is None:
        abort(404)
    return found


def problems_of(partnership_id: int, report: YearlyReport | None, values: dict,
                today: date) -> dict[str, str]:
    """{field: message} for a yearly report that cannot be recorded as it is."""
    problems = {}
    published, copies = values.get("published_on"), values.get("copies_sent_on")
    if not_future(problems, "published_on", published, "Publication date", today):
        clash = db.session.scalar(sa.select(YearlyReport.id).where(
            YearlyReport.partnership_id == partnership_id,
            YearlyReport.published_on == published,
            YearlyReport.id != (report.id if report else -1)))
        if clash is not None:
            problems["published_on"] = (f"A yearly report published on {format_date(published)}"
                                        " is already recorded")
    if not_future(problems, "copies_sent_on", copies, "Date the copies were sent", today):
        not_before(problems, "copies_sent_on", copies, "Date the copies were sent", published,
                   "the publication date")
    return problems


def save(partnership_id: int, report: YearlyReport | None, values: dict,
         today: date) -> YearlyReport:
    """Record a yearly report (report None) or change one; each report's next publication
    is the one after it, so its 12 months are met (no commit). Raises Problems."""
    check(problems_of(partnership_id, report, values, today))
    if report is None:
        report = YearlyReport(partnership_id=partnership_id)
        db.session.add(report)
    for name in FIELDS:
        if getattr(report, name) != values.get(name):
            setattr(report, name, values.get(name))
    db.session.flush()
    _chain(partnership_id)
    return report


def _chain(partnership_id: int) -> None:
    """Set each report's next_published_on from the one after it, and sync its deadlines."""
    reports = db.session.scalars(
        sa.select(YearlyReport).where(YearlyReport.partnership_id == partnership_id)
        .order_by(YearlyReport.published_on)).all()
    for report, following in zip(reports, [*reports[1:], None], strict=True):
        report.next_published_on = following.published_on if following else None
        deadline_service.sync_case(report)


# --- The yearly reports page -----------------------------------------------------------------


class DeadlineView(NamedTuple):
    """A stored deadline of a report with its status."""

    deadline: Deadline
    label: str
    status: deadlines.DeadlineStatus


class ReportRow(NamedTuple):
    """A yearly report with its copies' deadline and the next report's."""

    report: YearlyReport
    copies: DeadlineView | None
    next_report: DeadlineView | None


def reports_of(partnership_id: int, today: date) -> list[ReportRow]:
    """The partnership's yearly reports, newest first, with their stored deadlines and
    status (a fixed number of queries)."""
    reports = db.session.scalars(
        sa.select(YearlyReport).where(YearlyReport.partnership_id == partnership_id)
        .order_by(YearlyReport.published_on.desc())).all()
    rows = db.session.scalars(sa.select(Deadline).where(
        Deadline.owner_type == YearlyReport.__tablename__,
        Deadline.owner_id.in_([report.id for report in reports]))).all()
    rules = deadline_service.load_rules([partnership_id]).get(partnership_id)
    found: dict[tuple[int, str], DeadlineView] = {}
    for row in rows:
        rule = deadlines.get_rule(row.rule_key, row.edition)
        found[(row.owner_id, row.rule_key)] = DeadlineView(
            row, rule.label, deadline_service.status_of(row, today, rules))
    return [ReportRow(report, found.get((report.id, "yearly_report_copies")),
                      found.get((report.id, "yearly_report")))
            for report in reports]
