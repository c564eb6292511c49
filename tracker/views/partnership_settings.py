"""Partnership settings that change no deadline (system administrators): whether the
partnership takes public notifications, how long its personal links to agencies work, and
its reminder policies (a policy changes only when reminders go). The pages are on the
partnerships blueprint (tracker.views.partnerships: closure days and timescales), under
/partnerships/<code>/.
"""

from dataclasses import asdict

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.partnerships import PublicNotificationsForm
from forms.reminders import ReminderPolicyForm
from tracker import versioning
from tracker.extensions import db
from tracker.reminders.models import ReminderPolicy
from tracker.reminders.policy import DEFAULT_POLICY
from tracker.reminders.sources import policy_keys
from tracker.roles import Permission
from tracker.security import permission_required
from tracker.views.partnerships import _confirmed, _own_partnership_or_404, bp


@bp.route("/<code>/public-notifications", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_PARTNERSHIP_SETTINGS)
def public_notifications(code):
    """Whether the partnership takes notifications of a death through the public form
    (the change is audited with the partnership)."""
    partnership = _own_partnership_or_404(code)
    form = PublicNotificationsForm(
        data=None if request.method == "POST"
        else {"takes": "yes" if partnership.takes_public_notifications else "no"})
    if form.validate_on_submit():
        partnership.takes_public_notifications = form.takes.data == "yes"
        db.session.commit()
        flash("The partnership takes public notifications" if
              partnership.takes_public_notifications
              else "The partnership does not take public notifications", "success")
        return redirect(url_for("partnerships.show", code=partnership.code))
    return render_template("tracker/partnerships/public_notifications.html",
                           partnership=partnership, form=form), (400 if form.errors else 200)


@bp.route("/<code>/agency-links", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_PARTNERSHIP_SETTINGS)
def agency_link_days(code):
    """How many days the partnership's personal links to agencies work (audited with the
    partnership); blank for the service's default."""
    from forms.partnerships import AgencyLinkDaysForm
    from tracker.agency_links import link_days

    partnership = _own_partnership_or_404(code)
    form = AgencyLinkDaysForm(
        data=None if request.method == "POST" else {"days": partnership.agency_link_days})
    if form.validate_on_submit():
        partnership.agency_link_days = form.days.data
        db.session.commit()
        flash(f"Personal links now work for {link_days(partnership)} days", "success")
        return redirect(url_for("partnerships.show", code=partnership.code))
    return render_template("tracker/partnerships/agency_link_days.html",
                           partnership=partnership, form=form,
                           default=link_days()), (400 if form.errors else 200)


def _policy_key_or_404(key):
    """A key reminders can have a policy for (a rule or a kind of action), with its label."""
    label = policy_keys().get(key)
    if label is None:
        abort(404)
    return label


def _own_policies(partnership):
    """The partnership's own reminder policies, by key."""
    rows = db.session.scalars(
        sa.select(ReminderPolicy).where(ReminderPolicy.partnership_id == partnership.id))
    return {row.policy_key: row for row in rows}


@bp.route("/<code>/reminders")
@permission_required(Permission.MANAGE_PARTNERSHIP_SETTINGS)
def reminders(code):
    """Every rule's reminder policy in this partnership: the default or its own."""
    partnership = _own_partnership_or_404(code)
    return render_template(
        "tracker/partnerships/reminders.html",
        partnership=partnership,
        keys=policy_keys(),
        own=_own_policies(partnership),
        default=DEFAULT_POLICY,
    )


def _save_policy(partnership, key, existing, policy):
    """Store the partnership's policy for a key (none when it is the default); commits.

    False when a second save of the same key won the race (the unique constraint refused).
    """
    if policy == DEFAULT_POLICY:
        if existing is not None:
            db.session.delete(existing)
    else:
        row = existing or ReminderPolicy(partnership_id=partnership.id, policy_key=key)
        for name, value in asdict(policy).items():
            setattr(row, name, value)
        row.updated_by_id = current_user.id
        db.session.add(row)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        return False
    return True


@bp.route("/<code>/reminders/<policy_key>", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_PARTNERSHIP_SETTINGS)
def reminder_policy(code, policy_key):
    """Change when one rule's deadlines remind in this partnership."""
    partnership = _own_partnership_or_404(code)
    label = _policy_key_or_404(policy_key)
    existing = _own_policies(partnership).get(policy_key)
    current = existing.policy if existing else DEFAULT_POLICY
    data = ReminderPolicyForm.data_from(current) if request.method == "GET" else None
    form = ReminderPolicyForm(data=data)
    versioning.opened_at(form, existing)
    if form.validate_on_submit():
        try:
            versioning.check(form, existing)
        except versioning.STALE:
            status = versioning.refuse(form, existing)
            existing = _own_policies(partnership).get(policy_key)
            return _render_policy(partnership, label, policy_key, existing, form), status
        policy = form.policy()
        if _save_policy(partnership, policy_key, existing, policy):
            flash(f"{label}: {policy.describe()}.", "success")
            return redirect(url_for("partnerships.reminders", code=partnership.code))
        form.before_working_days.errors.append(
            "Another reminder policy for this rule was saved at the same moment. "
            "Check the numbers and save again to replace it")
    return _render_policy(partnership, label, policy_key, existing, form), (
        400 if form.errors else 200)


def _render_policy(partnership, label, policy_key, existing, form):
    return render_template(
        "tracker/partnerships/reminder_policy.html",
        partnership=partnership, label=label, policy_key=policy_key,
        current=existing.policy if existing else DEFAULT_POLICY,
        changed=existing is not None, default=DEFAULT_POLICY, form=form,
    )


@bp.route("/<code>/reminders/<policy_key>/reset", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_PARTNERSHIP_SETTINGS)
def reset_reminder_policy(code, policy_key):
    """Confirm, then go back to the default reminders for one rule."""
    partnership = _own_partnership_or_404(code)
    label = _policy_key_or_404(policy_key)
    existing = _own_policies(partnership).get(policy_key)
    if existing is None:
        abort(404)
    if _confirmed():
        db.session.delete(existing)
        db.session.commit()
        flash(f"{label}: back to the default, {DEFAULT_POLICY.describe()}.", "success")
        return redirect(url_for("partnerships.reminders", code=partnership.code))
    return render_template(
        "tracker/partnerships/reset_reminder_policy.html",
        partnership=partnership, label=label, policy_key=policy_key, existing=existing,
        default=DEFAULT_POLICY,
    )
