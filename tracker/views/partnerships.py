"""Partnership settings (system administrators): closure days, timescales, and the list of
records that seem to be stored twice.

Every change of closure days or timescales bumps the partnership's rules_version and
recomputes its stored deadlines in the same transaction as the change and its audit rows.
The settings that change no deadline (public notifications, agency link days, reminder
policies) are in tracker.views.partnership_settings, on this blueprint.
"""

from typing import NamedTuple

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.partnerships import ClosureDayForm, RuleOverrideForm
from tracker import deadline_bulk, deadlines, versioning
from tracker import duplicates as duplicate_records
from tracker.deadline_models import Deadline, DeadlineCorrection
from tracker.domains import registered_domains
from tracker.extensions import db
from tracker.models import ClosureDay, Partnership, RuleOverride
from tracker.pagination import requested_page
from tracker.roles import Permission
from tracker.security import permission_required, visible_partnership_ids
from tracker.timeutil import format_date
from tracker.views.timescales import DUTY_TAGS, long_date

bp = Blueprint("partnerships", __name__, url_prefix="/partnerships")


def _own_partnership_or_404(code):
    """One of the signed-in administrator's partnerships; 404 for any other code."""
    partnership = db.session.scalar(sa.select(Partnership).where(Partnership.code == code))
    if partnership is None or partnership.id not in visible_partnership_ids():
        abort(404)
    return partnership


def _rule_or_404(rule_key):
    try:
        return deadlines.get_rule(rule_key)
    except KeyError:
        abort(404)


def _confirmed():
    """Whether this is the confirming POST (CSRFProtect has already checked its token)."""
    return request.method == "POST"


def _recalculated(count):
    """How many stored deadlines moved, as the success message says it."""
    if count == 0:
        return "No stored deadlines needed to change."
    return f"{count} deadline{'' if count == 1 else 's'} recalculated."


def _save_rules_change(partnership, message):
    """Recompute the partnership's deadlines, commit with the change, and say what happened."""
    moved = deadline_bulk.rules_changed(partnership)
    db.session.commit()
    return _saved(partnership, moved, message)


def _saved(partnership, moved, message):
    """Say what changed and how many deadlines moved, back on the settings page."""
    flash(f"{message} {_recalculated(moved)}", "success")
    return redirect(url_for("partnerships.show", code=partnership.code))


def _add_rules_change(partnership):
    """Recompute and commit a new closure day or override: how many deadlines moved, or None.

    Two people, or a double click, can add the same day or rule at the same moment: both pass
    the form's checks and the database's unique constraint refuses the second. That second
    change is rolled back whole (the row, the recomputed deadlines and the audit rows), so
    nothing is half-saved, and None tells the view to say why.
    """
    try:
        moved = deadline_bulk.rules_changed(partnership)
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        return None
    return moved


@bp.route("/")
@permission_required(Permission.MANAGE_PARTNERSHIP_SETTINGS)
def index():
    """The administrator's partnerships, with how many closure days and overrides each has."""
    partnerships = sorted(current_user.partnerships, key=lambda p: p.name)
    ids = [p.id for p in partnerships]
    counts = {}
    for model, applies in ((ClosureDay, sa.true()),
                           (RuleOverride, RuleOverride.switched_off_on.is_(None))):
        counts[model] = dict(
            db.session.execute(
                sa.select(model.partnership_id, sa.func.count())
                .where(model.partnership_id.in_(ids), applies)
                .group_by(model.partnership_id)
            ).all()
        )
    return render_template(
        "tracker/partnerships/index.html",
        partnerships=partnerships,
        closure_counts=counts[ClosureDay],
        override_counts=counts[RuleOverride],
    )


@bp.route("/<code>", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_PARTNERSHIP_SETTINGS)
def show(code):
    """The partnership's closure days (with the form to add one) and its timescales."""
    partnership = _own_partnership_or_404(code)
    form = ClosureDayForm(partnership=partnership)
    if form.validate_on_submit():
        closure = ClosureDay(
            day=form.day.data, description=form.description.data, created_by_id=current_user.id
        )
        partnership.closure_days.append(closure)
        message = f"Closure day added: {long_date(closure.day)}, {closure.description}."
        moved = _add_rules_change(partnership)
        if moved is not None:
            return _saved(partnership, moved, message)
        # The form's own message for a day that is already closed.
        form.day.errors.append(f"There is already a closure day on {format_date(form.day.data)}")
    return render_template(
        "tracker/partnerships/show.html",
        partnership=partnership,
        form=form,
        rules=deadlines.all_rules(),
        overrides=partnership.rule_overrides,
        switched_off=[(_rule_or_none(o.rule_key), o) for o in partnership.switched_off_overrides],
        moved=_moved_deadlines(partnership),
        long_date=long_date,
        duty_tags=DUTY_TAGS,
    ), (400 if form.errors else 200)


def _rule_or_none(rule_key):
    try:
        return deadlines.get_rule(rule_key)
    except KeyError:
        return None


MOVED_SHOWN = 500


class MovedDeadline(NamedTuple):
    """A stored deadline the correction of the counting moved, as the settings page lists it."""

    reference: str
    rule_label: str
    old_due_date: object
    new_due_date: object
    cause: str
    corrected_on: object


MOVED_CAUSES = {
    "closure_days": "Closure days no longer count for this timescale",
    "override_switched_off": "The partnership's own timescale was switched off",
}


def _moved_deadlines(partnership):
    """(the first MOVED_SHOWN deadlines moved by migration 0015, how many there are): each
    with its record's reference (never the child's details) and the rule, old and new date."""
    # The partnership the deadline is in now (a case transferred since takes its entries
    # with it), or the one it was in when it was moved, for a deadline since deleted.
    query = sa.select(DeadlineCorrection).outerjoin(
        Deadline, Deadline.id == DeadlineCorrection.deadline_id).where(
        sa.func.coalesce(Deadline.partnership_id, DeadlineCorrection.partnership_id)
        == partnership.id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(DeadlineCorrection.old_due_date,
                                             DeadlineCorrection.id).limit(MOVED_SHOWN)).all()
    owners = {}
    keys = sorted({(row.owner_type, row.owner_id) for row in rows})
    # By reference only, as the "Records stored twice" page shows them to the same users.
    for domain in registered_domains() if keys else ():
        if domain.deadline_owners is not None:
            owners.update(domain.deadline_owners.describe(keys))
    moved = []
    for row in rows:
        owner = owners.get((row.owner_type, row.owner_id))
        rule = _rule_or_none(row.rule_key)
        moved.append(MovedDeadline(
            owner.reference if owner else "A record since deleted",
            rule.label if rule else row.rule_key, row.old_due_date, row.new_due_date,
            MOVED_CAUSES.get(row.cause, row.cause), row.corrected_on))
    return moved, total


@bp.route("/<code>/closure-days/<int:closure_id>/remove", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_PARTNERSHIP_SETTINGS)
def remove_closure_day(code, closure_id):
    """Confirm, then remove a closure day."""
    partnership = _own_partnership_or_404(code)
    closure = db.session.get(ClosureDay, closure_id)
    if closure is None or closure.partnership_id != partnership.id:
        abort(404)
    if _confirmed():
        day = closure.day
        db.session.delete(closure)
        return _save_rules_change(partnership, f"Closure day removed: {long_date(day)}.")
    return render_template(
        "tracker/partnerships/remove_closure_day.html",
        partnership=partnership,
        closure=closure,
        long_date=long_date,
    )


@bp.route("/<code>/timescales/<rule_key>", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_PARTNERSHIP_SETTINGS)
def override(code, rule_key):
    """Set the partnership's own amount for one rule, with the reason."""
    partnership = _own_partnership_or_404(code)
    rule = _rule_or_404(rule_key)
    existing = partnership.rule_overrides.get(rule.key)
    form = RuleOverrideForm(obj=existing, rule=rule)
    versioning.opened_at(form, existing)
    if form.validate_on_submit():
        try:
            versioning.check(form, existing)
        except versioning.STALE:
            status = versioning.refuse(form, existing)
            return _render_override(partnership, rule, form), status
        row = existing or RuleOverride(rule_key=rule.key, partnership=partnership)
        row.amount = int(form.amount.data)
        row.earliest_amount = int(form.earliest_amount.data) if rule.is_window else None
        row.reason = form.reason.data
        row.created_by_id = row.created_by_id or current_user.id
        db.session.add(row)
        words = rule.timescale_with(row.amount, row.earliest_amount)
        moved = _add_rules_change(partnership)
        if moved is not None:
            return _saved(partnership, moved, f"{rule.label}: now {words}.")
        form.amount.errors.append(
            "Another timescale for this rule was saved at the same moment. "
            "Check the number and save again to replace it"
        )
    return _render_override(partnership, rule, form), (400 if form.errors else 200)


def _render_override(partnership, rule, form):
    return render_template(
        "tracker/partnerships/override.html",
        partnership=partnership,
        rule=rule,
        existing=partnership.rule_overrides.get(rule.key),
        form=form,
        duty_tags=DUTY_TAGS,
    )


@bp.route("/<code>/timescales/<rule_key>/remove", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_PARTNERSHIP_SETTINGS)
def remove_override(code, rule_key):
    """Confirm, then go back to the standard timescale for a rule."""
    partnership = _own_partnership_or_404(code)
    rule = _rule_or_404(rule_key)
    existing = partnership.rule_overrides.get(rule.key)
    if existing is None:
        abort(404)
    if _confirmed():
        db.session.delete(existing)
        words = rule.timescale
        return _save_rules_change(partnership, f"{rule.label}: back to {words}.")
    return render_template(
        "tracker/partnerships/remove_override.html",
        partnership=partnership,
        rule=rule,
        existing=existing,
    )


# Reminder policies ---------------------------------------------------------------------------
# When each rule's deadlines remind (before, on the day, overdue, escalation): the default
# policy unless the partnership has its own row. ReminderPolicy is audited.


@bp.route("/<code>/duplicates")
@permission_required(Permission.MANAGE_PARTNERSHIP_SETTINGS)
def duplicates(code):
    """The partnership's records that seem to be stored twice, by reference, to merge (never
    the child's details; a link only to a record the user may open)."""
    partnership = _own_partnership_or_404(code)
    page = requested_page()
    groups, more = duplicate_records.groups(partnership.id, page,
                                            current_app.config["PAGE_SIZE"])
    base = url_for("partnerships.duplicates", code=partnership.code)
    pagination = {}
    if page > 1:
        pagination["previous"] = {"href": f"{base}?page={page - 1}"}
    if more:
        pagination["next"] = {"href": f"{base}?page={page + 1}"}
    return render_template("tracker/partnerships/duplicates.html", partnership=partnership,
                           groups=groups, page=page, pagination=pagination or None)
