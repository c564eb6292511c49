"""CDOP panel meetings, the anonymised agenda, outcomes, closing and reopening a case."""

from flask import render_template

from cdr import bp
from tracker.roles import Permission
from tracker.security import permission_required


@bp.route("/panel-meetings")
@permission_required(Permission.VIEW_PANEL_PACK)
def panel_meetings():
    """The partnership's CDOP panel meetings (filled in by the panel work)."""
    return render_template("cdr/panel/index.html")
