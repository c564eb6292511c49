"""The National Child Mortality Database: marking a case's national forms as sent, the list of
cases not yet sent, and the NCMD export (one case, or the cases notified in a period)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from cdr import bp
from cdr.services import access, ncmd, ncmd_export
from cdr.views.exports import _partnership_names
from forms.cdr.ncmd import BeforeTrackerForm, NcmdPeriodForm, SentToNcmdForm
from tracker import versioning
from tracker.excel import Cover
from tracker.export_jobs import ExportKind, PreparedExport, send_or_queue
from tracker.extensions import db
from tracker.pagination import COUNT_CAP, page_of, pagination_params
from tracker.roles import Permission
from tracker.security import permission_required, visible_partnership_ids
from tracker.timeutil import format_date, london_today, utcnow


@bp.route("/<int:case_id>/ncmd/<step>", methods=["GET", "POST"])
@permission_required(Permission.RECORD_NCMD)
def mark_ncmd_sent(case_id, step):
    """Mark a national form as sent to the NCMD on a date (who marks it is recorded)."""
    chosen = ncmd.BY_KEY.get(step)
    if chosen is None:
        abort(404)
    case = (access.case_or_404(case_id) if request.method == "POST"
            else access.view_case(case_id, f"NCMD {chosen.key} form"))
    form = SentToNcmdForm()
    status = 200
    if form.validate_on_submit():
        try:
            versioning.check(form, case)
            ncmd.mark_sent(case, chosen, form.sent_on.data, london_today())
        except versioning.STALE:
            status = versioning.refuse(form, case)
        except ncmd.Refused as refused:
            form.sent_on.errors.append(str(refused))
            status = 400
        else:
            db.session.commit()
            flash(f"{chosen.label} marked as sent to the NCMD on "
                  f"{format_date(form.sent_on.data)}.", "success")
            return redirect(url_for("cdr.case", case_id=case.id, _anchor="ncmd"))
    elif request.method == "POST":
        status = 400
    else:
        versioning.opened_at(form, case)
    return render_template("cdr/ncmd/mark.html", form=form, case=case, step=chosen), status


@bp.route("/ncmd")
@permission_required(Permission.VIEW_CDR_CASES)
def ncmd_not_sent():
    """Cases with a national form not yet sent to the NCMD, oldest notified first."""
    pagination = page_of(ncmd.not_sent_query(visible_partnership_ids()), count_cap=COUNT_CAP)
    return render_template(
        "cdr/ncmd/not_sent.html",
        rows=ncmd.not_sent_rows(pagination.items),
        total=pagination.total,
        capped=pagination.capped,
        pagination=pagination_params(pagination, "cdr.ncmd_not_sent", request.args),
        period=NcmdPeriodForm(formdata=None, meta={"csrf": False}),
        may_export=current_user.can(Permission.EXPORT),
        may_identify=current_user.can(Permission.VIEW_IDENTIFYING_DETAILS),
        may_mark=ncmd.may_mark(),
    )


@bp.route("/ncmd/sent-before-the-tracker", methods=["GET", "POST"])
@permission_required(Permission.RECORD_NCMD)
def ncmd_before_tracker():
    """Mark the cases notified before a date as sent to the NCMD before the tracker (the ones
    the previous system sent): the date, then how many, then confirmed."""
    today = london_today()
    form = BeforeTrackerForm(today=today)
    found = None
    if form.validate_on_submit():
        ids = visible_partnership_ids()
        if form.confirmed.data == "yes":
            previewed = int(form.previewed.data) if (form.previewed.data or "").isdigit() \
                else -1
            marked = ncmd.mark_before_tracker(ids, form.notified_before.data, today,
                                              previewed=previewed)
            if marked is not None:
                db.session.commit()
                flash(f"{marked} {'case' if marked == 1 else 'cases'} marked as sent to the "
                      "NCMD before the tracker.", "success")
                return redirect(url_for("cdr.ncmd_not_sent"))
            flash("Nothing was marked: the cases notified before that date changed since the "
                  "page counted them. Check the count below and confirm again.", "error")
        found = ncmd.before_tracker_cases(ids, form.notified_before.data)
    return render_template("cdr/ncmd/before_tracker.html", form=form, found=found), (
        400 if form.errors else 200)


# --- The NCMD export ------------------------------------------------------------------------

def _needed(with_identity) -> list:
    """As the case list export (cdr.views.exports): checked as it is prepared, and again at
    the download of one built in the background."""
    return [Permission.EXPORT, Permission.VIEW_CDR_CASES,
            *([Permission.VIEW_IDENTIFYING_DETAILS] if with_identity else [])]


@bp.route("/ncmd/export")
@permission_required(Permission.EXPORT)
def ncmd_export_download():
    """The NCMD export: ?case=<id> for one case, or the cases notified in a period
    (?notified_from=&notified_to=, each day, month and year); ?identifying=yes adds the
    child's identifying details for a user who may see them."""
    return send_or_queue(NCMD_EXPORT, request.args)


def prepare_ncmd_export(args) -> PreparedExport:
    """The NCMD export for these query arguments, as the signed-in user may see it."""
    with_identity = args.get("identifying") == "yes"
    if not all(current_user.can(each) for each in _needed(with_identity)):
        abort(403)
    ids = visible_partnership_ids()
    today = london_today()
    case = None
    if args.get("case"):
        if not args["case"].isdigit():
            abort(404)
        case = access.case_or_404(int(args["case"]))
        keys = ncmd_export.matching_cases(ids, case_id=case.id)
        scope, name = f"Case {case.reference}", case.reference
    else:
        form = NcmdPeriodForm(formdata=args, meta={"csrf": False})
        if not form.validate():
            flash(" ".join(error for errors in form.errors.values() for error in errors),
                  "error")
            return redirect(url_for("cdr.ncmd_not_sent"))
        start, end = form.notified_from.data, form.notified_to.data
        keys = ncmd_export.matching_cases(ids, notified_from=start, notified_to=end)
        scope = (f"Notified {format_date(start)} to {format_date(end)}" if start
                 else "Every case")
        name = f"{start.isoformat()}-to-{end.isoformat()}" if start else today.isoformat()
    identity = ("It includes the child's identifying details (name, date of birth, NHS "
                "number, address and postcode): keep it only as long as you need it."
                if with_identity else
                "It holds no name, date of birth, NHS number, address or postcode.")
    cover = Cover(
        title="NCMD export",
        description=(
            "Child death cases laid out as the national notification, reporting and analysis "
            "forms, for keying or uploading to the NCMD portal: one sheet per form, one "
            "column per field in the form's order (the reporting form one row per agency "
            "asked), and a data dictionary of every column: its form, allowed values and "
            f"where the tracker holds it. {identity}"),
        made_by=f"{current_user.full_name} ({current_user.email})",
        made_at=utcnow(),
        filters=[("Partnerships", _partnership_names(ids)), ("Cases", scope),
                 ("Identifying details", "Included" if with_identity else "Not included")],
    )
    suffix = "-with-identifying-details" if with_identity else ""
    return PreparedExport(
        cover, ncmd_export.sheets(keys, with_identity=with_identity),
        f"ncmd-export-{name}{suffix}.xlsx", ids,
        audit_as="ChildDeathCase" if case is not None else "NCMD export",
        audit_id=case.id if case is not None else None,
        count=lambda limit: ncmd_export.count(keys, limit),
        permissions=_needed(with_identity))


NCMD_EXPORT = ExportKind("cdr.ncmd", prepare_ncmd_export, "cdr.ncmd_not_sent")
