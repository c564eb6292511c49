"""Transferring a case to the partnership responsible for reviewing it."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from cdr import bp
from cdr.services import access
from cdr.services import transfers as service
from forms.cdr.transfer import TransferForm
from tracker import versioning
from tracker.extensions import db
from tracker.models import Partnership
from tracker.roles import Permission
from tracker.security import permission_required, visible_partnership_ids
from tracker.timeutil import london_today


@bp.route("/<int:case_id>/transfer", methods=["GET", "POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def transfer_case(case_id):
    """Transfer a case to the partnership responsible for reviewing it."""
    case = access.case_or_404(case_id) if request.method == "POST" \
        else access.view_case(case_id, "transfer form")
    form = TransferForm(choices=service.transfer_choices(case))
    versioning.opened_at(form, case)
    if not form.validate_on_submit():
        return render_template("cdr/transfers/transfer.html", case=case, form=form), \
            (400 if form.errors else 200)
    target = db.session.get(Partnership, int(form.partnership.data))
    try:
        versioning.check(form, case)
        service.transfer(case, target, form.reason.data, current_user, london_today())
        db.session.commit()
    except versioning.STALE:
        status = versioning.refuse(form, case)
        return render_template("cdr/transfers/transfer.html", case=case, form=form), status
    flash(f"{case.reference} has been transferred to {target.name}", "success")
    if target.id in visible_partnership_ids():
        return redirect(url_for("cdr.case", case_id=case.id))
    return redirect(url_for("cdr.cases"))
