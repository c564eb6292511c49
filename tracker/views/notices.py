"""In-app notices: the signed-in user's reminders, their count in the header, and dismissing.

A notice is a row of the reminder ledger (tracker.reminders.models.Reminder) addressed to the
user. Only the notices of partnerships the user still belongs to are shown or counted, and
another user's notice answers 404. Dismissing hides a notice and the older notices about the
same deadline; a later stage is a new row, so it still appears.
"""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.extensions import db
from tracker.pagination import COUNT_CAP, page_of, pagination_params
from tracker.reminders.models import Reminder
from tracker.reminders.policy import BEFORE, DUE, DUE_NOW, ESCALATION, OVERDUE, STAGE_LABELS
from tracker.roles import Permission
from tracker.security import permission_required, visible_partnership_ids
from tracker.timeutil import utcnow

bp = Blueprint("notices", __name__, url_prefix="/notices")

# The header shows the count up to this, then "99+": the count reads no more rows than that.
HEADER_CAP = 99
STAGE_TAGS = {
    ESCALATION: "govuk-tag--red",
    OVERDUE: "govuk-tag--red",
    DUE_NOW: "govuk-tag--orange",
    DUE: "govuk-tag--orange",
    BEFORE: "govuk-tag--yellow",
}


def open_notices(user_id):
    """A select of the user's notices not dismissed, in their partnerships, newest first."""
    return (
        sa.select(Reminder)
        .where(Reminder.recipient_id == user_id, Reminder.dismissed_at.is_(None),
               Reminder.partnership_id.in_(visible_partnership_ids()))
        .order_by(Reminder.id.desc())
    )


@bp.app_template_global()
def notice_count():
    """The header's count of the signed-in user's open notices ("99+" past the cap), or None
    for a user who gets no reminders (and for anonymous users)."""
    if not current_user.is_authenticated or not current_user.can(Permission.RECEIVE_REMINDERS):
        return None
    capped = open_notices(current_user.id).order_by(None).with_only_columns(Reminder.id)
    try:
        count = db.session.scalar(
            sa.select(sa.func.count()).select_from(capped.limit(HEADER_CAP + 1).subquery()))
    except sa.exc.SQLAlchemyError:
        # The error page after a failed transaction must still render: no count on it.
        db.session.rollback()
        return None
    return f"{HEADER_CAP}+" if count > HEADER_CAP else str(count)


@bp.route("")
@permission_required(Permission.RECEIVE_REMINDERS)
def index():
    """The user's notices, newest first, a page at a time."""
    # Counted only up to COUNT_CAP: someone back from long leave may have thousands.
    pagination = page_of(open_notices(current_user.id), count_cap=COUNT_CAP)
    return render_template(
        "tracker/notices/index.html",
        notices=pagination.items,
        total=pagination.total,
        capped=pagination.capped,
        page=pagination.page,
        pagination=pagination_params(pagination, "notices.index", request.args),
        stage_labels=STAGE_LABELS,
        stage_tags=STAGE_TAGS,
    )


def _back():
    """The notices page the button was pressed on."""
    page = request.form.get("page", type=int)
    return redirect(url_for("notices.index", page=page) if page and page > 1
                    else url_for("notices.index"))


@bp.route("/<int:notice_id>/dismiss", methods=["POST"])
@permission_required(Permission.RECEIVE_REMINDERS)
def dismiss(notice_id):
    """Dismiss one notice, and the user's older open notices about the same deadline."""
    notice = db.session.get(Reminder, notice_id)
    if (notice is None or notice.recipient_id != current_user.id
            or notice.partnership_id not in visible_partnership_ids()):
        abort(404)
    if notice.dismissed_at is None:
        db.session.execute(
            sa.update(Reminder)
            .where(Reminder.recipient_id == current_user.id, Reminder.dismissed_at.is_(None),
                   Reminder.subject_type == notice.subject_type,
                   Reminder.subject_id == notice.subject_id, Reminder.id <= notice.id)
            .values(dismissed_at=utcnow()))
        db.session.commit()
    flash(f"Notice dismissed: {notice.reference}, {notice.step}.", "success")
    return _back()


@bp.route("/dismiss-all", methods=["POST"])
@permission_required(Permission.RECEIVE_REMINDERS)
def dismiss_all():
    """Dismiss every open notice of the user (in their partnerships)."""
    result = db.session.execute(
        sa.update(Reminder)
        .where(Reminder.recipient_id == current_user.id, Reminder.dismissed_at.is_(None),
               Reminder.partnership_id.in_(visible_partnership_ids()))
        .values(dismissed_at=utcnow()))
    db.session.commit()
    count = result.rowcount
    flash(f"{count} notice{'' if count == 1 else 's'} dismissed." if count
          else "There were no notices to dismiss.", "success")
    return redirect(url_for("notices.index"))
