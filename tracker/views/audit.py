"""The audit trail page (system administrators and auditors)."""

from flask import Blueprint, render_template

from tracker.roles import Permission
from tracker.security import permission_required

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.route("/")
@permission_required(Permission.VIEW_AUDIT)
def index():
    """Audit events, newest first."""
    return render_template("tracker/audit/index.html")
