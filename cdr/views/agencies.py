"""The case's list of agencies involved with the child: add and remove (each audited)."""

from flask import flash, redirect, render_template, request, url_for

from cdr import bp
from cdr.services import access
from cdr.services import agencies as service
from forms.cdr.agencies import AgencyForm, RemoveAgencyForm
from tracker.extensions import db
from tracker.roles import Permission
from tracker.security import permission_required
from tracker.timeutil import london_today


@bp.route("/<int:case_id>/agencies", methods=["GET", "POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def case_agencies(case_id):
    """The agencies on the case's list, and a form to add one."""
    case = access.case_or_404(case_id) if request.method == "POST" \
        else access.view_case(case_id, "agencies involved page")
    form = AgencyForm()
    if form.validate_on_submit():
        try:
            agency = service.add(case, form.values(), london_today())
            db.session.commit()
        except service.Refused as refused:
            db.session.rollback()
            form.name.errors.append(refused.message)
        else:
            flash(f"{agency.name} added to the agencies involved", "success")
            return redirect(url_for("cdr.case_agencies", case_id=case.id))
    return render_template("cdr/agencies/agencies.html", case=case, form=form,
                           agencies=service.of_case(case), remove=RemoveAgencyForm(),
                           kinds=service.AGENCY_KINDS), 400 if form.errors else 200


@bp.route("/<int:case_id>/agencies/remove", methods=["POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def remove_case_agency(case_id):
    """Take one agency off the case's list."""
    case = access.case_or_404(case_id)
    form = RemoveAgencyForm()
    agency_id = form.agency_id.data
    if not form.validate_on_submit() or not str(agency_id or "").isdigit():
        flash("Nothing was removed: try again", "error")
        return redirect(url_for("cdr.case_agencies", case_id=case.id))
    try:
        name = service.remove(case, int(agency_id), london_today())
        db.session.commit()
    except service.Refused as refused:
        db.session.rollback()
        flash(refused.message, "error")
    else:
        flash(f"{name} removed from the agencies involved", "success")
    return redirect(url_for("cdr.case_agencies", case_id=case.id))
