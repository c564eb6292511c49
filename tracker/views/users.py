"""Managing users (system administrators): list, add, edit, unlock and reset passwords.

An administrator sees only themselves and the users who share a partnership with them; any
other user (one of another partnership, or of none) answers 404, the same as a user who does
not exist. Of a user shared with a partnership they are not part of, they may change only
the membership of their own partnerships; their own password only on the change-password page.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user

from forms.users import EditUserForm, NewUserForm, ResetPasswordForm
from tracker import two_factor, versioning
from tracker import users as service
from tracker.extensions import db
from tracker.pagination import page_of, pagination_params
from tracker.roles import Permission, Role
from tracker.security import permission_required

bp = Blueprint("users", __name__, url_prefix="/users")


@bp.route("/")
@permission_required(Permission.MANAGE_USERS)
def index():
    """The users this administrator manages, by name."""
    pagination = page_of(service.manageable_users(current_user))
    return render_template(
        "tracker/users/index.html",
        users=pagination.items,
        pagination=pagination_params(pagination, "users.index", request.args),
        status=service.status,
        partnerships_summary=service.partnerships_summary,
        Role=Role,
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_USERS)
def new():
    """Add a user."""
    form = NewUserForm(partnerships=service.assignable_partnerships(current_user))
    if form.validate_on_submit():
        user = service.create_user(
            email=form.email.data,
            full_name=form.full_name.data,
            role=form.role.data,
            partnership_ids=form.partnerships.data,
            password=form.password.data,
            receives_escalations=form.receives_escalations.data,
        )
        db.session.commit()
        flash(f"{user.full_name} ({user.email}) can now sign in.", "success")
        return redirect(url_for("users.index"))
    return render_template("tracker/users/new.html", form=form), (400 if form.errors else 200)


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_USERS)
def edit(user_id):
    """Change a user's name, role, partnerships and whether they can sign in."""
    user = service.get_manageable_or_404(current_user, user_id)
    form = _edit_form(user)
    versioning.opened_at(form, user)
    if form.validate_on_submit() and not _refuse_shared_changes(user, form):
        try:
            versioning.check(form, user)
        except versioning.STALE:
            status = versioning.refuse(form, user)
            return _render_edit(user, form), status
        # One flush at the commit, so one audit row holds the save's changes and its version
        # (a stale refusal names them from that row).
        with db.session.no_autoflush:
            # Not an ORM-kept version: signing in must not make an open form stale.
            user.version += 1
            service.update_user(
                current_user,
                user,
                full_name=form.full_name.data,
                role=form.role.data,
                partnership_ids=form.partnerships.data or [],
                active=form.active.data == "yes",
                receives_escalations=form.receives_escalations.data,
            )
        db.session.commit()
        if user.id == current_user.id and user.active:
            # Their other sessions end; this one goes on under the new session version.
            # (Pass the user, not the current_user proxy: Flask-Login keeps it in g.)
            login_user(user)
        flash(f"The changes to {user.full_name} have been saved.", "success")
        return redirect(url_for("users.index"))
    status = 400 if form.errors else 200
    return _render_edit(user, form), status


def _refuse_shared_changes(user, form):
    """Add form errors for changes not allowed to a shared user; True when there are any."""
    problems = service.shared_user_problems(
        current_user, user, full_name=form.full_name.data, role=form.role.data,
        active=form.active.data == "yes", receives_escalations=form.receives_escalations.data,
    )
    for name, message in problems.items():
        form[name].errors = [*form[name].errors, message]
    return bool(problems)


def _edit_form(user):
    """The edit form, filled from the user on GET and from the request on POST."""
    data = None
    if request.method == "GET":
        visible = current_user.partnership_ids
        data = {
            "full_name": user.full_name,
            "role": user.role,
            "partnerships": [p.id for p in user.partnerships if p.id in visible],
            "active": "yes" if user.active else "no",
            "receives_escalations": user.receives_escalations,
        }
    return EditUserForm(
        data=data,
        partnerships=service.assignable_partnerships(current_user),
        kept=service.kept_partnerships(current_user, user),
        editing_self=user.id == current_user.id,
    )


def _render_edit(user, form):
    """The edit page, with the unlock and reset password actions."""
    return render_template(
        "tracker/users/edit.html",
        user=user,
        form=form,
        status=service.status(user),
        locked=service.status(user) == service.LOCKED,
        kept=service.kept_partnerships(current_user, user),
        may_unlock=service.may_unlock(current_user, user),
        may_reset_password=service.may_reset_password(current_user, user),
        editing_self=user.id == current_user.id,
        two_factor_set_up=two_factor.is_set_up(user),
    )


@bp.route("/<int:user_id>/unlock", methods=["POST"])
@permission_required(Permission.MANAGE_USERS)
def unlock(user_id):
    """Let a locked-out user try to sign in again.

    Not on one's own account: the failed count it clears also holds wrong current passwords
    on the change-password page, so someone in a borrowed session could keep guessing.
    """
    user = service.get_manageable_or_404(current_user, user_id)
    if user.id == current_user.id:
        return _refused(url_for("users.edit", user_id=user.id),
                        "You cannot unlock your own account.")
    if not service.may_unlock(current_user, user):
        return _refused(url_for("users.edit", user_id=user.id),
                        SHARED_REFUSED.format("unlock the account"))
    service.unlock(user)
    db.session.commit()
    flash(f"{user.full_name} can sign in again.", "success")
    return redirect(url_for("users.edit", user_id=user.id))


@bp.route("/<int:user_id>/reset-password", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_USERS)
def reset_password(user_id):
    """Set a new password for a user; it signs them out everywhere.

    Not one's own: that is changed on the change-password page, which asks for the current
    password, so a borrowed session cannot take the account over.
    """
    user = service.get_manageable_or_404(current_user, user_id)
    if user.id == current_user.id:
        return _refused(url_for("auth.change_password"),
                        "Change your own password here: it asks for your current password.")
    if not service.may_reset_password(current_user, user):
        return _refused(url_for("users.edit", user_id=user.id),
                        SHARED_REFUSED.format("reset the password"))
    form = ResetPasswordForm(email=user.email)
    if form.validate_on_submit():
        service.reset_password(user, form.password.data)
        db.session.commit()
        flash(f"The password of {user.full_name} has been reset. "
              "They have been signed out everywhere.", "success")
        return redirect(url_for("users.edit", user_id=user.id))
    status = 400 if form.errors else 200
    return render_template("tracker/users/reset_password.html", user=user, form=form), status


@bp.route("/<int:user_id>/reset-two-factor", methods=["POST"])
@permission_required(Permission.MANAGE_USERS)
def reset_two_factor(user_id):
    """Remove a user's second factor (a lost phone): they set it up again at their next
    sign-in, and are told by e-mail. Not one's own, as for a password."""
    user = service.get_manageable_or_404(current_user, user_id)
    if user.id == current_user.id:
        return _refused(url_for("users.edit", user_id=user.id),
                        "You cannot reset your own two-factor sign-in. Ask another system "
                        "administrator.")
    if not service.may_reset_password(current_user, user):
        return _refused(url_for("users.edit", user_id=user.id),
                        SHARED_REFUSED.format("reset the two-factor sign-in"))
    if service.reset_two_factor(user):
        db.session.commit()
        flash(f"The two-factor sign-in of {user.full_name} has been reset. They have been "
              "signed out and will set it up again when they next sign in.", "success")
    else:
        flash(f"{user.full_name} has not set up two-factor sign-in: there was nothing to "
              "reset.", "info")
    return redirect(url_for("users.edit", user_id=user.id))


SHARED_REFUSED = ("You cannot {} of a user who also works for a partnership you are not part "
                  "of. Ask an administrator of all their partnerships.")


def _refused(target, message):
    """Send the administrator to `target`, saying why the action was not done."""
    flash(message, "info")
    return redirect(target)
