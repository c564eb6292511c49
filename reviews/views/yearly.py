"""The safeguarding partners' yearly reports, per partnership."""

from urllib.parse import urlencode

import sqlalchemy as sa
from flask import abort, render_template, request, url_for
from flask_login import current_user

from forms.reviews.yearly import PartnershipChoiceForm, YearlyReportForm
from reviews import bp
from reviews.services import yearly as service
from reviews.views.local_review import _posted_or, save_record
from tracker.extensions import db
from tracker.models import Partnership
from tracker.roles import Permission
from tracker.security import permission_required, visible_partnership_ids
from tracker.timeutil import london_today


def _partnerships() -> list[Partnership]:
    """The user's partnerships by name (one query)."""
    return db.session.scalars(
        sa.select(Partnership).where(Partnership.id.in_(list(visible_partnership_ids())))
        .order_by(Partnership.name)).all()


def _chosen(partnerships) -> Partnership:
    """The partnership ?partnership= names among the user's (the first when not given);
    404 for one that is not theirs, 403 when they have none."""
    if not partnerships:
        abort(403)
    wanted = request.args.get("partnership", type=int)
    if wanted is None:
        return partnerships[0]
    for partnership in partnerships:
        if partnership.id == wanted:
            return partnership
    abort(404)


def _list_url(partnership):
    return f"{url_for('reviews.yearly_reports')}?{urlencode({'partnership': partnership.id})}"


@bp.route("/yearly-reports")
@permission_required(Permission.VIEW_REVIEWS)
def yearly_reports():
    """A partnership's yearly reports: published, next due, copies sent, with deadlines."""
    partnerships = _partnerships()
    chosen = _chosen(partnerships)
    choice = PartnershipChoiceForm(formdata=None, data={"partnership": chosen.id},
                                   meta={"csrf": False}, partnerships=partnerships)
    return render_template("reviews/yearly/index.html", partnership=chosen, choice=choice,
                           several=len(partnerships) > 1,
                           rows=service.reports_of(chosen.id, london_today()),
                           may_edit=current_user.can(Permission.EDIT_REVIEWS))


@bp.route("/yearly-reports/new", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REVIEWS)
def new_yearly_report():
    """Record a published yearly report for the chosen partnership."""
    chosen = _chosen(_partnerships())
    form = YearlyReportForm(**_posted_or(None))

    def render(form, status):
        return render_template("reviews/yearly/report.html", partnership=chosen, report=None,
                               form=form), status

    return save_record(form, render,
                       lambda form: service.save(chosen.id, None, form.values(),
                                                 london_today()),
                       "Yearly report recorded", _list_url(chosen), creates=True)


@bp.route("/yearly-reports/<int:yearly_report_id>", methods=["GET", "POST"])
@permission_required(Permission.EDIT_REVIEWS)
def yearly_report(yearly_report_id):
    """Change a yearly report: its address, or when the copies were sent."""
    report = service.report_or_404(yearly_report_id, visible_partnership_ids())
    chosen = db.session.get(Partnership, report.partnership_id)
    form = YearlyReportForm(**_posted_or(YearlyReportForm.data_from(report)),
                            edition=report.rules_edition)

    def render(form, status):
        return render_template("reviews/yearly/report.html", partnership=chosen,
                               report=report, form=form), status

    return save_record(form, render,
                       lambda form: service.save(chosen.id, report, form.values(),
                                                 london_today()),
                       "Yearly report saved", _list_url(chosen),
                       record=report)
