"""How a domain tells the reminder service what it owns that has a due date, and who to tell.

A domain registers `ReminderSource`s in its `Domain` (tracker.domains), as it registers its
stored deadlines: the shell never imports a domain. Stored deadlines of every domain live in
the shell's `deadline` table, so `deadline_source` builds their query and the domain only adds
the join to its own table for the case reference and the people to remind.

Each source's query returns rows with at least: subject_id, partnership_id, policy_key,
due_date and reference (plus `extended_to` for deadlines, and whatever the domain's `link`,
`recipients` and `step` callables read).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import current_app, request, url_for

from tracker import deadlines
from tracker.deadline_models import Deadline
from tracker.deadline_service import NOT_THE_PARTNERSHIPS, open_deadlines
from tracker.roles import Permission

DEADLINE = "deadline"


@dataclass(frozen=True)
class ReminderSource:
    """One kind of thing with a due date that reminds someone.

    - `subject_type`: "deadline" for stored deadlines, else the domain's table ("cdr_action").
    - `permission`: a recipient must hold it (and belong to the row's partnership).
    - `rows(horizon, partnership_ids)`: a select of the open rows of those partnerships due on
      or before `horizon` (one query).
    - `link(row)`: the path of the page to open (called in a request context, for url_for).
    - `recipients(row)`: user ids to remind; none means the partnership's managers.
    - `step(row)`: what is due, with nothing that identifies the child; for deadlines the
      rule's label by default.
    - `team`: who to remind when a row has no one to remind and the partnership no manager
      (default: everyone with `permission`), so a reminder is never silently dropped.
    - `policy_labels`: the source's own policy keys (for actions) and their labels, so the
      settings page lists them beside the deadline rules.
    - `paused(partnership_ids)`: a select of the rows whose deadline is paused (they remind
      nobody, but a digest lists them so they are not forgotten); none for a source that
      cannot be paused.
    """

    subject_type: str
    permission: Permission
    rows: Callable[[date, list[int]], sa.Select]
    link: Callable
    recipients: Callable[..., Iterable[int | None]]
    step: Callable | None = None
    policy_labels: dict[str, str] = field(default_factory=dict)
    team: Permission | None = None
    paused: Callable[[list[int]], sa.Select] | None = None

    def step_of(self, row) -> str:
        """What is due, as a reminder names it."""
        if self.step is not None:
            return self.step(row)
        return rule_label(row.policy_key, getattr(row, "edition", None))


def link_to(endpoint: str, argument: str, column: str | None = None) -> Callable:
    """A `link(row)` for a page whose only argument is an id the row holds (`column`).

    The path is built once per app with url_for and then filled in, since a pass links tens
    of thousands of rows and url_for costs about 15 microseconds a call.
    """
    column = column or argument
    marker = "987654321987654321"

    def link(row) -> str:
        patterns = current_app.extensions.setdefault("tracker.reminders.links", {})
        key = (endpoint, request.script_root)  # a prefix the app is served under
        pattern = patterns.get(key)
        if pattern is None:
            pattern = patterns[key] = url_for(endpoint, **{argument: int(marker)})
        return pattern.replace(marker, str(getattr(row, column)))

    return link


def rule_label(rule_key: str, edition: str | None = None) -> str:
    """A deadline rule's label in the edition the case follows (default: the current one),
    such as "Notify the Child Safeguarding Practice Review Panel"."""
    try:
        return deadlines.get_rule(rule_key, edition or deadlines.CURRENT_EDITION).label
    except KeyError:
        return rule_key.replace("_", " ").capitalize()


def counting_calendar_of(policy_key: str, partnership):
    """The calendar a reminder's due date is counted on: the rule's (a statutory or Panel rule
    ignores closure days), or the partnership's for anything that is not a rule."""
    try:
        rule = deadlines.get_rule(policy_key)
    except KeyError:
        return partnership
    return deadlines.counting_calendar(rule, partnership)


def _open_deadlines_of(owner_type: str, partnership_ids: list[int]) -> sa.Select:
    """The columns a deadline source's rows have, of the open stored deadlines of one owner
    type in these partnerships. `due_date` is the extended date where there is one."""
    return (
        sa.select(
            Deadline.id.label("subject_id"),
            Deadline.partnership_id,
            Deadline.rule_key.label("policy_key"),
            sa.func.coalesce(Deadline.extended_to, Deadline.due_date).label("due_date"),
            Deadline.item,
            Deadline.edition,
        )
        .where(
            Deadline.partnership_id.in_(partnership_ids),
            Deadline.owner_type == owner_type,
            open_deadlines(),
        )
    )


def deadline_rows(owner_type: str, horizon: date, partnership_ids: list[int],
                  extend: Callable[[sa.Select], sa.Select]):
    """Open stored deadlines of one owner type due by `horizon`, joined as the domain says.

    Met, not applicable, paused and minimum-period deadlines remind nobody. The partnership
    and due date range reads the open-deadline index (partnership_id, due_date WHERE met_on
    IS NULL).
    """
    return extend(_open_deadlines_of(owner_type, partnership_ids).where(
        Deadline.met_on.is_(None),
        Deadline.paused_reason.is_(None),
        Deadline.due_date.is_not(None),
        Deadline.due_date <= horizon,
    ))


def paused_deadline_rows(owner_type: str, partnership_ids: list[int],
                         extend: Callable[[sa.Select], sa.Select]):
    """Open deadlines of one owner type whose clock a user paused, joined as the domain says
    (the same columns as `deadline_rows`). Few: read through ix_deadline_set_aside, whose
    condition is named as it is written so that SQLite, too, sees that the index holds them."""
    return extend(_open_deadlines_of(owner_type, partnership_ids).where(
        sa.or_(Deadline.not_applicable_reason.is_not(None),
               Deadline.paused_reason.is_not(None)),
        Deadline.paused_reason.is_not(None),
    ))


def deadline_source(owner_type: str, *, permission: Permission, extend, link, recipients,
                    step=None, team=None) -> ReminderSource:
    """A source for one domain's stored deadlines of `owner_type` (a table name)."""
    return ReminderSource(
        subject_type=DEADLINE,
        permission=permission,
        rows=lambda horizon, ids: deadline_rows(owner_type, horizon, ids, extend),
        link=link,
        recipients=recipients,
        step=step,
        team=team,
        paused=lambda ids: paused_deadline_rows(owner_type, ids, extend),
    )


def all_sources(app=None) -> list[ReminderSource]:
    """Every registered domain's reminder sources."""
    from tracker.domains import registered_domains

    return [source for domain in registered_domains(app) for source in domain.reminders]


def policy_keys(app=None) -> dict[str, str]:
    """Every key a reminder policy can be set for, with its label: rules, then actions."""
    keys = {rule.key: rule.label for rule in deadlines.all_rules()
            if rule.key not in NOT_THE_PARTNERSHIPS}
    for source in all_sources(app):
        keys.update(source.policy_labels)
    from tracker.agency_chasing import policy_labels

    keys.update(policy_labels(app))
    return keys
