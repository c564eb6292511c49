"""Spreadsheet downloads: the case list as filtered on screen, and a meeting's panel pack."""

import sqlalchemy as sa
from flask import abort, redirect, request, url_for
from flask_login import current_user

from cdr import bp
from cdr.services import access, exports, lists
from cdr.services import panel as panel_service
from cdr.views.cases import SEARCH_HINTS, _filters
from forms.cdr.cases import CaseFilterForm
from tracker import searches
from tracker.excel import Cover, describe_form, send_workbook
from tracker.export_jobs import ExportKind, PreparedExport, send_or_queue
from tracker.extensions import db
from tracker.models import Partnership
from tracker.roles import Permission
from tracker.security import permission_required, visible_partnership_ids
from tracker.timeutil import format_date, london_today, utcnow

_ORDERS = {("date_of_death", True): "Date of death, latest first",
           ("date_of_death", False): "Date of death, earliest first",
           ("reference", False): "Reference, A to Z", ("reference", True): "Reference, Z to A",
           ("stage", False): "Stage, first to last", ("stage", True): "Stage, last to first"}


def _partnership_names(ids) -> str:
    """The partnerships' names, for the cover sheet."""
    return ", ".join(db.session.scalars(sa.select(Partnership.name).where(
        Partnership.id.in_(sorted(ids))).order_by(Partnership.name)))


def _needed(with_identity) -> list[Permission]:
    """The permissions a user needs for the export: checked as it is prepared, and again at
    the download of one built in the background (tracker.export_jobs)."""
    return [Permission.EXPORT, Permission.VIEW_CDR_CASES,
            *([Permission.VIEW_IDENTIFYING_DETAILS] if with_identity else [])]


def _list_args(form) -> dict:
    """The query arguments of the list's own filters (nothing else reaches url_for)."""
    names = {field.name for field in form}
    return {key: values for key, values in request.args.lists() if key in names}


@bp.route("/spreadsheet")
@permission_required(Permission.EXPORT)
def cases_spreadsheet():
    """The case list as the user filtered it, as a workbook (audited, with its filters).

    ?identifying=yes adds the child's name, date of birth, NHS number, address and postcode,
    for users who may see them. A large list is built in the background (tracker.export_jobs),
    whose stored arguments hold a search's id, never its text (tracker.searches).
    """
    if searches.must_move(request.args, lists.is_reference):
        args = searches.url_args(request.args, set(request.args), lists.is_reference)
        db.session.commit()
        return redirect(url_for("cdr.cases_spreadsheet", **args))
    return send_or_queue(CASE_LIST, request.args)


def prepare_case_list(args) -> PreparedExport:
    """The case list export for these query arguments, as the signed-in user may see it."""
    with_identity = args.get("identifying") == "yes"
    if not all(current_user.can(each) for each in _needed(with_identity)):
        abort(403)
    ids = visible_partnership_ids()
    may_search_names = access.may_see_identity()
    args, lost = searches.resolve(args)
    form = CaseFilterForm(formdata=args, meta={"csrf": False},
                          doctors=lists.designated_doctors(ids),
                          search_hint=SEARCH_HINTS[may_search_names])
    if not form.validate() or lost:
        # The list shows what is wrong with the filters.
        return redirect(url_for("cdr.cases", **_list_args(form)))
    filters = _filters(form, may_search_names)
    today = london_today()
    cover = _case_cover(form, filters, ids, with_identity, today)
    sheets = exports.case_sheets(filters, ids, today, with_identity=with_identity)
    suffix = "-with-identifying-details" if with_identity else ""
    return PreparedExport(
        cover, sheets, f"child-death-cases-{today.isoformat()}{suffix}.xlsx", ids,
        audit_as="Child death case list",
        count=lambda limit: exports.count_cases(filters, ids, today, limit),
        permissions=_needed(with_identity))


CASE_LIST = ExportKind("cdr.cases", prepare_case_list, "cdr.cases")


def _case_cover(form, filters, ids, with_identity, today) -> Cover:
    """The cover sheet of the case list export."""
    identity = ("It includes the child's identifying details (name, date of birth, NHS "
                "number, address and postcode): keep it only as long as you need it."
                if with_identity else
                "It holds no name, date of birth, NHS number, address or postcode.")
    return Cover(
        title="Child death case list",
        description=(
            "The child death cases the case list shows for these filters, in its order: one "
            "row per case with its stage dates and each of its deadlines (due date, date met "
            f"and status on {format_date(today)}), and each agency information request with its "
            f"deadline. {identity}"),
        made_by=f"{current_user.full_name} ({current_user.email})",
        made_at=utcnow(),
        filters=[("Partnerships", _partnership_names(ids)),
                 *describe_form(form, skip={"sort", "order", "search"}),
                 ("Order", _ORDERS[(filters.sort, filters.descending)]),
                 ("Identifying details", "Included" if with_identity else "Not included")],
        unrecorded={"Search"},
    )


@bp.route("/panel-meetings/<int:meeting_id>/panel-pack")
@permission_required(Permission.VIEW_PANEL_PACK)
def panel_pack(meeting_id):
    """The meeting's anonymised panel pack as a workbook, one row per case on the agenda."""
    meeting = panel_service.meeting_or_404(meeting_id)
    title = panel_service.meeting_title(meeting)
    cover = Cover(
        title="CDOP panel pack",
        description=(f"The anonymised agenda of the {title}: each case by its reference, age "
                     "band, sex, category, and the summary, factors and learning from its "
                     "child death review meeting. It holds no name, date of birth, NHS "
                     "number, address or postcode."),
        made_by=f"{current_user.full_name} ({current_user.email})",
        made_at=utcnow(),
        filters=[("Partnership", _partnership_names([meeting.partnership_id])),
                 ("CDOP meeting", title)],
    )
    return send_workbook(cover, [exports.panel_pack(meeting)],
                         f"cdop-panel-pack-{meeting.meeting_on.isoformat()}.xlsx",
                         partnership_ids=[meeting.partnership_id], audit_as="PanelMeeting",
                         audit_id=meeting.id)
