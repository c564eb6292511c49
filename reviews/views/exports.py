"""The practice review tracker as a spreadsheet, filtered as on screen."""

import sqlalchemy as sa
from flask import abort, redirect, request, url_for
from flask_login import current_user

from forms.reviews.tracker import TrackerFilterForm
from reviews import bp
from reviews.services import exports
from reviews.views.incidents import _filters
from tracker.excel import Cover, describe_form
from tracker.export_jobs import ExportKind, PreparedExport, send_or_queue
from tracker.extensions import db
from tracker.models import Partnership
from tracker.roles import Permission
from tracker.security import permission_required, visible_partnership_ids
from tracker.timeutil import format_date, london_today, utcnow

_ORDERS = {("la_aware_on", True): "Date aware, latest first",
           ("la_aware_on", False): "Date aware, earliest first",
           ("reference", False): "Reference, A to Z", ("reference", True): "Reference, Z to A",
           ("stage", False): "Stage, first to last", ("stage", True): "Stage, last to first"}


def _needed(with_identity) -> list[Permission]:
    """The permissions a user needs for the export: checked as it is prepared, and again at
    the download of one built in the background (tracker.export_jobs)."""
    return [Permission.EXPORT, Permission.VIEW_REVIEWS,
            *([Permission.VIEW_IDENTIFYING_DETAILS] if with_identity else [])]


def _list_args(form) -> dict:
    """The query arguments of the list's own filters (nothing else reaches url_for)."""
    names = {field.name for field in form}
    return {key: values for key, values in request.args.lists() if key in names}


@bp.route("/spreadsheet")
@permission_required(Permission.EXPORT)
def tracker_spreadsheet():
    """The tracker list as the user filtered it, as a workbook (audited, with its filters).

    ?identifying=yes adds the child's real name, where recorded, for users who may see it.
    A large list is built in the background (tracker.export_jobs).
    """
    return send_or_queue(TRACKER_LIST, request.args)


def prepare_tracker(args) -> PreparedExport:
    """The tracker export for these query arguments, as the signed-in user may see it."""
    with_identity = args.get("identifying") == "yes"
    if not all(current_user.can(each) for each in _needed(with_identity)):
        abort(403)
    form = TrackerFilterForm(formdata=args, meta={"csrf": False})
    if not form.validate():
        # The list shows what is wrong with the filters.
        return redirect(url_for("reviews.tracker", **_list_args(form)))
    filters = _filters(form)
    ids = visible_partnership_ids()
    today = london_today()
    cover = _cover(form, filters, ids, with_identity, today)
    sheets = exports.tracker_sheets(filters, ids, today, with_identity=with_identity)
    suffix = "-with-names" if with_identity else ""
    return PreparedExport(
        cover, sheets, f"practice-reviews-{today.isoformat()}{suffix}.xlsx", ids,
        audit_as="Practice review tracker",
        count=lambda limit: exports.count_incidents(filters, ids, today, limit),
        permissions=_needed(with_identity))


TRACKER_LIST = ExportKind("reviews.tracker", prepare_tracker, "reviews.tracker")


def _cover(form, filters, ids, with_identity, today) -> Cover:
    """The cover sheet of the tracker export."""
    names = ", ".join(db.session.scalars(sa.select(Partnership.name).where(
        Partnership.id.in_(sorted(ids))).order_by(Partnership.name)))
    identity = ("It includes the child's real name where one was recorded: keep it only as "
                "long as you need it." if with_identity else
                "Children are named by their pseudonym only (such as Child P).")
    return Cover(
        title="Practice review tracker",
        description=(
            "The serious incidents and practice reviews the tracker list shows for these "
            "filters, in its order: one row per incident with every date of its notification, "
            "rapid review, decision and publication, and a sheet of every deadline with its "
            f"due date, date met and status on {format_date(today)}. {identity}"),
        made_by=f"{current_user.full_name} ({current_user.email})",
        made_at=utcnow(),
        filters=[("Partnerships", names), *describe_form(form, skip={"sort", "order"}),
                 ("Order", _ORDERS[(filters.sort, filters.descending)]),
                 ("Identifying details", "Included" if with_identity else "Not included")],
    )
