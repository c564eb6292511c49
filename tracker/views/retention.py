"""The retention page (system administrators, their own partnerships): each kind's years, the
records listed for disposal by the daily job, disposal confirmed one record at a time, and
legal holds set and lifted (tracker.retention). It shows case references, never a name."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from forms.retention import ConfirmDisposalForm, LegalHoldForm, LiftHoldForm, RetentionYearsForm
from tracker import audit, retention
from tracker.extensions import db
from tracker.models import Partnership
from tracker.retention import HOLD_REASONS, RetentionDue
from tracker.roles import Permission
from tracker.security import permission_required, visible_partnership_ids
from tracker.timeutil import london_today

bp = Blueprint("retention", __name__, url_prefix="/retention")


def _partnership_or_404(code):
    partnership = db.session.scalar(sa.select(Partnership).where(Partnership.code == code))
    if partnership is None or partnership.id not in visible_partnership_ids():
        abort(404)
    return partnership


def _item_or_404(partnership, item_id):
    item = db.session.get(RetentionDue, item_id)
    if item is None or item.partnership_id != partnership.id or item.disposed_at is not None:
        abort(404)
    return item


def _back(partnership):
    return redirect(url_for("retention.show", code=partnership.code))


@bp.get("/")
@permission_required(Permission.MANAGE_PARTNERSHIP_SETTINGS)
def index():
    """The administrator's partnerships, each with how many records wait for disposal."""
    partnerships = list(db.session.scalars(
        sa.select(Partnership).where(Partnership.id.in_(visible_partnership_ids()))
        .order_by(Partnership.name)))
    counts = dict(db.session.execute(
        sa.select(RetentionDue.partnership_id, sa.func.count())
        .where(RetentionDue.partnership_id.in_(visible_partnership_ids()),
               RetentionDue.disposed_at.is_(None))
        .group_by(RetentionDue.partnership_id)).all())
    return render_template("tracker/retention/index.html", partnerships=partnerships,
                           counts=counts)


@bp.get("/<code>")
@permission_required(Permission.MANAGE_PARTNERSHIP_SETTINGS)
def show(code):
    """A partnership's schedule and the records due for disposal."""
    partnership = _partnership_or_404(code)
    items = retention.waiting([partnership.id])
    audit.record(audit.Action.VIEW, object_type="RetentionDue", partnership_id=partnership.id,
                 detail=f"Records due for disposal: {len(items)} listed")
    db.session.commit()
    titles = {kind.key: kind for kind in retention.kinds()}
    return render_template("tracker/retention/show.html", partnership=partnership,
                           schedule=retention.schedule(partnership.id), items=items,
                           titles=titles, hold_reasons=HOLD_REASONS)


@bp.route("/<code>/schedule/<kind>", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_PARTNERSHIP_SETTINGS)
def edit(code, kind):
    """Change how many years a kind is kept, with the reason."""
    partnership = _partnership_or_404(code)
    found = retention.kind_named(kind)
    if found is None:
        abort(404)
    years = next(years for k, years, _rule in retention.schedule(partnership.id)
                 if k.key == kind)
    form = RetentionYearsForm()
    if form.validate_on_submit():
        retention.set_years(partnership.id, kind, int(form.years.data), form.reason.data,
                            current_user)
        db.session.commit()
        flash(f"{found.title}: kept {form.years.data} years {found.basis}.", "success")
        return _back(partnership)
    if not form.is_submitted():
        form.years.data = str(years)
    return render_template("tracker/retention/edit.html", partnership=partnership,
                           kind=found, form=form)


@bp.route("/<code>/due/<int:item_id>/dispose", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_PARTNERSHIP_SETTINGS)
def dispose(code, item_id):
    """Confirm the disposal of one listed record: removed or anonymised, in one transaction."""
    partnership = _partnership_or_404(code)
    item = _item_or_404(partnership, item_id)
    kind = retention.kind_named(item.kind)
    form = ConfirmDisposalForm()
    if item.held:
        flash(f"{item.reference} is on legal hold: it cannot be disposed of.", "error")
        return _back(partnership)
    if form.validate_on_submit():
        # The listing row is locked and read again, so two confirmations dispose once.
        locked = db.session.scalar(sa.select(RetentionDue).where(RetentionDue.id == item.id)
                                   .with_for_update().execution_options(populate_existing=True))
        if (locked.disposed_at is None and not locked.held
                and not retention.is_still_due(locked, london_today())):
            # Reopened, or its years raised, since it was listed: nothing is disposed of.
            retention.drop_listing(locked)
            db.session.commit()
            flash(f"{locked.reference} is no longer due for disposal (reopened, or its "
                  "retention period changed), so nothing was removed and it is off the list.",
                  "error")
        elif locked.disposed_at is None and not locked.held:
            count = retention.dispose(locked, current_user)
            db.session.commit()
            flash(f"{kind.title} {locked.reference} {kind.disposal}: {count} rows removed.",
                  "success")
        else:
            db.session.rollback()
        return _back(partnership)
    return render_template("tracker/retention/dispose.html", partnership=partnership,
                           item=item, kind=kind, form=form)


@bp.route("/<code>/due/<int:item_id>/hold", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_PARTNERSHIP_SETTINGS)
def hold(code, item_id):
    """Put a listed record on legal hold, with the reason."""
    partnership = _partnership_or_404(code)
    item = _item_or_404(partnership, item_id)
    form = LegalHoldForm()
    if form.validate_on_submit():
        retention.set_hold(item, form.hold_reason.data, form.detail.data, current_user)
        db.session.commit()
        flash(f"{item.reference} is on legal hold.", "success")
        return _back(partnership)
    return render_template("tracker/retention/hold.html", partnership=partnership, item=item,
                           form=form)


@bp.route("/<code>/due/<int:item_id>/lift", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_PARTNERSHIP_SETTINGS)
def lift(code, item_id):
    """Lift a legal hold, with the reason."""
    partnership = _partnership_or_404(code)
    item = _item_or_404(partnership, item_id)
    if not item.held:
        return _back(partnership)
    form = LiftHoldForm()
    if form.validate_on_submit():
        retention.lift_hold(item, form.detail.data, current_user)
        db.session.commit()
        flash(f"The legal hold on {item.reference} is lifted.", "success")
        return _back(partnership)
    return render_template("tracker/retention/lift.html", partnership=partnership, item=item,
                           form=form)
