"""The actions agreed at a case's review: recorded with an owner and a due date, the
account each reminds, and their completion with its evidence."""

from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
from flask import abort

from cdr.models import CaseAction
from cdr.services import timeline
from tracker.accounts import accounts_of, choices
from tracker.extensions import db
from tracker.models import User
from tracker.roles import Permission
from tracker.timeutil import format_date


class ActionRow(NamedTuple):
    """An action with its status worked out for today, and the account it reminds."""

    action: CaseAction
    status: str
    tag_class: str
    reminded: str | None = None


class ActionRefused(Exception):
    """An action that cannot be saved as it is, with the message to show."""


def action_status(action, today: date) -> tuple[str, str]:
    """The status of an action today and its tag colour."""
    if action.completed_on is not None:
        return "Completed", "govuk-tag--green"
    if action.due_on is not None and action.due_on < today:
        return "Overdue", "govuk-tag--red"
    if action.due_on == today:
        return "Due today", "govuk-tag--yellow"
    return "Not yet due", "govuk-tag--grey"


def actions(case, today: date) -> list[ActionRow]:
    """A case's actions by due date, each with its status and the name of the account it
    reminds (one query)."""
    rows = db.session.execute(
        sa.select(CaseAction, User.full_name)
        .outerjoin(User, User.id == CaseAction.owner_user_id)
        .where(CaseAction.case_id == case.id)
        .order_by(CaseAction.due_on.is_(None), CaseAction.due_on, CaseAction.id)
    ).all()
    return [ActionRow(row, *action_status(row, today), reminded)
            for row, reminded in rows]


def reminder_accounts(case) -> list[tuple[int, str]]:
    """The accounts an action of the case may remind: active users of its partnership who
    may act on child death cases (one query); a read-only auditor is not one."""
    return choices(accounts_of(case.partnership_id, permission=Permission.EDIT_CDR_CASES))


def add_action(case, *, description: str, owner: str, due_on: date,
               owner_user_id: int | None = None) -> CaseAction:
    """Record an action agreed at the review (no commit); `owner_user_id` is the account
    reminded about it (None: the case owner), one of reminder_accounts(case)."""
    if owner_user_id is not None and owner_user_id not in dict(reminder_accounts(case)):
        raise ActionRefused("Select an account from the list")
    action = CaseAction(case_id=case.id, partnership_id=case.partnership_id,
                        description=description, owner=owner, due_on=due_on,
                        owner_user_id=owner_user_id)
    db.session.add(action)
    timeline.add(case, "action", f"Action agreed for {owner}, due {format_date(due_on)}: "
                 f"{description}")
    return action


def action_or_404(case, action_id: int) -> CaseAction:
    """One of the case's actions, or 404."""
    action = db.session.get(CaseAction, action_id)
    if action is None or action.case_id != case.id:
        abort(404)
    return action


def complete_action(case, action, *, completed_on: date, evidence: str) -> bool:
    """Mark an action completed on its date, with its evidence (no commit; the form checks
    both, as a practice review action's); False if it already was."""
    if action.completed_on is not None:
        return False
    action.completed_on, action.evidence = completed_on, evidence
    timeline.add(case, "action", f"Action completed: {action.description}",
                 happened_on=completed_on)
    return True
