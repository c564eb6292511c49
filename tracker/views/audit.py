"""The audit trail page (system administrators and auditors).

Opening this page is deliberately not itself audited: every visit and every filter change
would add rows, flooding the trail with entries about reading the trail.
"""

import re
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Blueprint, render_template, request
from flask_login import current_user

from forms.audit import AuditFilterForm
from tracker.audit import Action, Audited, AuditEvent, detail_for_viewer
from tracker.extensions import db
from tracker.models import Partnership, User, user_partnership
from tracker.pagination import page_of, pagination_params  # noqa: F401 (shared)
from tracker.roles import Permission
from tracker.security import permission_required, visible_partnership_ids
from tracker.timeutil import LONDON

bp = Blueprint("audit", __name__, url_prefix="/audit")

# The application shell's own records. Their values (names, emails, closure days, timescales)
# are for anyone who may read the trail; every other record is case data (child death cases,
# incidents, their deadlines) and its values only for those who may see identifying details.
SHELL_RECORD_TYPES = frozenset({"User", "Partnership", "ClosureDay", "RuleOverride"})
# The page counts matching rows only up to this many; past it, it asks for narrower filters.
COUNT_CAP = 10_000


@bp.route("/")
@permission_required(Permission.VIEW_AUDIT)
def index():
    """Audit events the viewer may see, newest first, filtered by the form."""
    form = AuditFilterForm(
        formdata=request.args,
        meta={"csrf": False},
        users=_user_choices(),
        actions=[(a.value, a.label) for a in Action],
        record_types=record_type_choices(),
    )
    valid = form.validate()
    query = _filtered(_scoped_events(), form) if valid else _scoped_events()
    ordered = query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    pagination = page_of(ordered, count_cap=COUNT_CAP)
    return render_template(
        "tracker/audit/index.html",
        form=form,
        events=pagination.items,
        total=pagination.total,
        capped=pagination.capped,
        pagination=pagination_params(pagination, "audit.index", request.args,
                                     kept_names={field.name for field in form}),
        type_label=type_label,
        field_label=field_label,
        shows_values=_values_shown_to(current_user),
        detail_for=_details_for_viewer(current_user),
    ), (200 if valid else 400)


def _values_shown_to(viewer):
    """Whether a row's old and new values may be shown to the viewer, as a test for each row.

    A system administrator "sees no case records": for a case's rows they see which fields
    changed, never what they changed from or to. The record's label is a case reference,
    which does not identify the child, so it stays.
    """
    if viewer.can(Permission.VIEW_IDENTIFYING_DETAILS):
        return lambda event: True
    return lambda event: event.object_type in SHELL_RECORD_TYPES


def _details_for_viewer(viewer):
    """A row's detail as the viewer may read it: only their own partnerships by name, and a
    reason someone wrote (which can name a child) only if they may see identifying details."""
    own_codes = frozenset(db.session.scalars(
        sa.select(Partnership.code).where(Partnership.id.in_(visible_partnership_ids()))
    ))
    shows_reasons = viewer.can(Permission.VIEW_IDENTIFYING_DETAILS)
    return lambda detail: detail_for_viewer(detail, own_codes, shows_reasons)


def _scoped_user_ids():
    """A subquery: ids of the users who belong to one of the viewer's partnerships."""
    return sa.select(user_partnership.c.user_id).where(
        user_partnership.c.partnership_id.in_(visible_partnership_ids())
    )


def _scope():
    """Rows of the viewer's partnerships, plus rows with no partnership about their users.

    Rows with no partnership are sign-ins and changes to users. They are shown when they are
    about a user of the viewer's partnerships, or about or by the viewer; never otherwise,
    so nobody learns about the users of a partnership they are not part of.
    """
    scoped_ids = sa.select(sa.cast(user_partnership.c.user_id, sa.String)).where(
        user_partnership.c.partnership_id.in_(visible_partnership_ids())
    )
    about_a_user = sa.and_(
        AuditEvent.object_type == "User",
        sa.or_(AuditEvent.object_id.in_(scoped_ids), AuditEvent.object_id == str(current_user.id)),
    )
    no_partnership = [about_a_user, AuditEvent.user_id == current_user.id]
    if current_user.can(Permission.MANAGE_USERS):
        # Sign-in attempts with an unknown email belong to nobody; the system administrators
        # are the ones who must see them (someone guessing addresses).
        no_partnership.append(
            sa.and_(AuditEvent.user_id.is_(None), AuditEvent.object_id.is_(None))
        )
    # On SQLite (no statistics) coalesce() keeps the planner off the partnership index: most
    # rows match it, and reading (occurred_at, id) from the newest end stops after one page,
    # where merging the partnership and user indexes sorts the whole trail (a second at half
    # a million rows). PostgreSQL has statistics of the column, none of the expression: on
    # coalesce() it guessed that 1% of the rows match, so counting the first 10,001 rows
    # started parallel workers to read the whole table (30 of the count's 40 ms at half a
    # million rows); on the column it knows most rows match and reads the first ones alone.
    partnership = (AuditEvent.partnership_id
                   if db.session.get_bind().dialect.name == "postgresql"
                   else sa.func.coalesce(AuditEvent.partnership_id, 0))
    return sa.or_(
        partnership.in_(visible_partnership_ids()),
        sa.and_(AuditEvent.partnership_id.is_(None), sa.or_(*no_partnership)),
    )


def _scoped_events():
    """A select() of the audit events the viewer may see.

    The page shows the stored email, so the user relationship is never loaded: raiseload
    makes any per-row lazy load (an N+1) fail loudly instead of running quietly.
    """
    return sa.select(AuditEvent).where(_scope()).options(so.raiseload(AuditEvent.user))


def _filtered(query, form):
    """Apply the filter form's choices to a select() of audit events."""
    start, end = form.date_from.data, form.date_to.data
    conditions = [
        (form.user.data, lambda: AuditEvent.user_id == int(form.user.data)),
        (form.action.data, lambda: AuditEvent.action == form.action.data),
        (form.record_type.data, lambda: AuditEvent.object_type == form.record_type.data),
        (form.record_id.data, lambda: AuditEvent.object_id == form.record_id.data),
        (form.record_text.data,
         lambda: AuditEvent.object_label.icontains(form.record_text.data, autoescape=True)),
        (start, lambda: AuditEvent.occurred_at >= _london_midnight(start)),
        (end, lambda: AuditEvent.occurred_at < _london_midnight(end + timedelta(days=1))),
    ]
    return query.where(*[condition() for wanted, condition in conditions if wanted])


def _london_midnight(day):
    """The start of a day in London, as the naive UTC stored in the database."""
    local = datetime.combine(day, time(), tzinfo=LONDON)
    return local.astimezone(UTC).replace(tzinfo=None)


def _user_choices():
    """(id, email) of the users of the viewer's partnerships, and the viewer, for the filter."""
    query = (
        sa.select(User.id, User.email)
        .where(sa.or_(User.id.in_(_scoped_user_ids()), User.id == current_user.id))
        .order_by(User.email)
    )
    return [(str(user_id), email) for user_id, email in db.session.execute(query)]


def _audited_classes(cls=Audited):
    """Every model class that writes audit rows."""
    for sub in cls.__subclasses__():
        yield sub
        yield from _audited_classes(sub)


def record_type_choices():
    """(class name, readable name) of every audited model, for the filter."""
    names = {c.__name__ for c in _audited_classes() if hasattr(c, "__table__")}
    return sorted(((name, type_label(name)) for name in names), key=lambda c: c[1])


def type_label(name):
    """'ClosureDay' as 'Closure day'."""
    if not name:
        return ""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).capitalize()


def field_label(name):
    """'full_name' as 'Full name'."""
    return name.replace("_", " ").capitalize()
