"""The case page and the case list."""

from flask import render_template

from cdr import bp
from cdr.services import access, case_page
from tracker.roles import Permission
from tracker.security import permission_required
from tracker.timeutil import london_today


@bp.route("/")
@permission_required(Permission.VIEW_CDR_CASES)
def cases():
    """Every child death case of the user's partnerships (filters come with the list work)."""
    return render_template("cdr/cases/index.html")


@bp.route("/<int:case_id>")
@permission_required(Permission.VIEW_CDR_CASES)
def case(case_id):
    """One case: the child and the death, stages, deadlines, and what happened."""
    found = access.view_case(case_id)
    return render_template("cdr/case.html", page=case_page.load(found, london_today()))
