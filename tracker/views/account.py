"""Your account: your own reminder settings (e-mail digest or immediate, a pause on leave),
and your signed-in sessions.

The reminder e-mails link to this page (/account/reminders). The User model is audited, so
every change is recorded in the audit trail with its old and new values.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from forms.reminders import ReminderSettingsForm
from tracker.extensions import db
from tracker.roles import Permission
from tracker.security import permission_required
from tracker.timeutil import format_date, london_today

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("/reminders", methods=["GET", "POST"])
@permission_required(Permission.RECEIVE_REMINDERS)
def reminders():
    """Choose a daily digest or an e-mail per reminder, and pause e-mail while away."""
    today = london_today()
    paused_until = current_user.email_paused_until
    paused = paused_until is not None and paused_until >= today
    data = None
    if request.method == "GET":
        # A pause that has ended is not shown: saving the page would refuse a past date.
        data = {"reminder_email": current_user.reminder_email,
                "email_paused_until": paused_until if paused else None}
    form = ReminderSettingsForm(data=data, today=today)
    if form.validate_on_submit():
        user = current_user._get_current_object()
        user.reminder_email = form.reminder_email.data
        user.email_paused_until = form.email_paused_until.data
        db.session.commit()
        flash(_saved_message(user), "success")
        return redirect(url_for("account.reminders"))
    return render_template("tracker/account/reminders.html", form=form,
                           paused=paused), (400 if form.errors else 200)


def _saved_message(user):
    """What the user now gets, in one sentence."""
    how = ("one e-mail a day" if user.reminder_email == "digest"
           else "a separate e-mail for each reminder")
    if user.email_paused_until is not None:
        return (f"Your reminder settings have been saved. Reminder e-mails are paused until "
                f"{format_date(user.email_paused_until)}, then you get {how}.")
    return f"Your reminder settings have been saved. You get {how}."


@bp.route("/sessions")
def sessions():
    """Your sessions: where you are signed in (started, last used, roughly from where)."""
    from tracker import user_sessions

    current = user_sessions.current()
    return render_template("tracker/account/sessions.html",
                           rows=user_sessions.live_sessions(current_user),
                           current_id=current.id if current is not None else None)


@bp.route("/sessions/<int:session_id>/end", methods=["POST"])
def end_session(session_id):
    """End one of your own sessions (that computer is signed out at its next request).
    Another user's session answers 404, as an unknown one."""
    from tracker import user_sessions

    row = db.session.get(user_sessions.UserSession, session_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    if row.ended_at is None:
        is_current = row.id == getattr(user_sessions.current(), "id", None)
        user_sessions.end(row, "Ended by its user on the sessions page")
        db.session.commit()
        if is_current:
            logout_user()
            session.clear()
            flash("You have signed out.", "success")
            return redirect(url_for("auth.login"))
        flash("That session has been ended: it is signed out.", "success")
    return redirect(url_for("account.sessions"))
