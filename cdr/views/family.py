"""No post-mortem, the inquest and the family's key worker and bereavement support."""

from flask import flash, redirect, render_template, request, url_for

from cdr import bp
from cdr.services import access, family, post_mortem
from cdr.services.meetings import Refused
from forms.cdr.family import InquestForm, NoPostMortemForm
from tracker import versioning
from tracker.extensions import db
from tracker.roles import Permission
from tracker.security import permission_required
from tracker.timeutil import london_today


def _case_for(case_id, what):
    """The case for a user who may change it: a VIEW audit row when the page is shown."""
    access.require_edit()
    if request.method == "POST":
        return access.case_or_404(case_id)
    return access.view_case(case_id, what)


def _refuse(form, error, default_field):
    db.session.rollback()
    getattr(form, error.field or default_field).errors.append(error.message)


@bp.route("/<int:case_id>/post-mortem", methods=["GET", "POST"])
@permission_required(Permission.VIEW_CDR_CASES)
def post_mortem_decision(case_id):
    """Record that no post-mortem will be held (or the coroner has not taken the case)."""
    case = _case_for(case_id, "post-mortem form")
    form = NoPostMortemForm()
    if request.method == "GET":
        form.choice.data = case.no_post_mortem or ""
        form.decided_on.data = case.no_post_mortem_on
        form.decided_by.data = case.no_post_mortem_decided_by
        form.version.data = case.version
    elif form.validate_on_submit():
        try:
            changed_fields = (["post-mortem"] if (form.choice.data or None, form.decided_on.data)
                              != (case.no_post_mortem, case.no_post_mortem_on) else [])
            versioning.check(form, case, changed_fields)
            changed = post_mortem.record_no_post_mortem(
                case, form.choice.data, form.decided_on.data, form.decided_by.data,
                london_today())
            db.session.commit()
        except versioning.STALE as stale:
            versioning.refuse(form, case, on="choice", stale=stale)
            return _render("cdr/family/post_mortem.html", case, form, 409)
        except Refused as error:
            _refuse(form, error, "choice")
        else:
            flash("Post-mortem saved." if changed else "Nothing changed.", "success")
            return redirect(url_for("cdr.case", case_id=case.id, _anchor="meetings"))
    return _render("cdr/family/post_mortem.html", case, form, 400 if form.errors else 200)


@bp.route("/<int:case_id>/inquest-and-family-support", methods=["GET", "POST"])
@permission_required(Permission.VIEW_CDR_CASES)
def inquest_and_family_support(case_id):
    """The inquest, any prevention of future deaths report, the key worker, bereavement
    support."""
    case = _case_for(case_id, "inquest and family support form")
    form = InquestForm()
    if request.method == "GET":
        for column in family.FIELDS:
            getattr(form, column).data = getattr(case, column)
        form.bereavement_support_offered.data = case.bereavement_support_offered or ""
        form.version.data = case.version
    elif form.validate_on_submit():
        values = {column: getattr(form, column).data for column in family.FIELDS}
        values["bereavement_support_offered"] = values["bereavement_support_offered"] or None
        try:
            versioning.check(form, case, family.changes(case, values))
            changed = family.record(case, values, london_today())
            db.session.commit()
        except versioning.STALE as stale:
            versioning.refuse(form, case, on="inquest_on", stale=stale)
            return _render("cdr/family/inquest.html", case, form, 409)
        except Refused as error:
            _refuse(form, error, "inquest_on")
        else:
            flash("Inquest and family support saved." if changed else "Nothing changed.",
                  "success")
            return redirect(url_for("cdr.case", case_id=case.id, _anchor="inquest"))
    return _render("cdr/family/inquest.html", case, form, 400 if form.errors else 200)


def _render(template, case, form, status):
    return render_template(template, case=case, form=form), status
