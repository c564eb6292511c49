"""Stored deadlines of one case: the one place that turns a case's dates into Deadline rows.

Each domain registers, per case model, which rule each stored deadline follows, which date
starts it, which date meets it and when it applies (tracker.deadline_mapping, registered
through tracker.domains). `sync_case` applies that mapping to one case through the ORM, so
its changes are audited like any other edit. A rule that does not apply to a case (no Joint
Agency Response, no local review) is not stored for it, so a query for open deadlines by due
date never has to know the rules; a rule whose starting date is not known yet is not stored
either. Bulk recomputation lives in tracker.deadline_bulk.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app

from tracker import deadlines
from tracker.deadline_mapping import CaseDeadlines
from tracker.deadline_models import Deadline
from tracker.domains import all_case_deadlines, case_deadlines_for
from tracker.extensions import db
from tracker.models import ClosureDay, Partnership, RuleOverride
from tracker.timeutil import london_today

log = logging.getLogger(__name__)

# Rules whose date is the earliest a published report may come down, not a task to do: once
# the date has passed the duty is fulfilled, so they never count as overdue.
MINIMUM_PERIOD_RULES = frozenset({"cspr_public_until", "national_public_until"})
# Rules another body (the Panel) must meet, shown to the partnership for information only.
FOR_INFORMATION_RULES = frozenset(
    rule.key for edition in deadlines.RULESETS for rule in deadlines.all_rules(edition)
    if rule.for_information)
# Deadlines that are never the partnership's to do: never open, overdue, counted in its
# compliance or reminded. The one set every such view excludes.
NOT_THE_PARTNERSHIPS = MINIMUM_PERIOD_RULES | FOR_INFORMATION_RULES


# --- A partnership's calendar settings, read once --------------------------------------------


class _Override(NamedTuple):
    amount: int
    earliest_amount: int | None


@dataclass(frozen=True)
class PartnershipRules:
    """A partnership's closure days and overrides as tracker.calendar and deadlines read them.

    Read once per operation: the Partnership properties build a new set on every access.
    """

    id: int
    rules_version: int
    closure_dates: frozenset[date] = frozenset()
    closure_descriptions: dict = field(default_factory=dict, compare=False)
    rule_overrides: dict = field(default_factory=dict, compare=False)


def load_rules(partnership_ids: Iterable[int] | None = None) -> dict[int, PartnershipRules]:
    """Partnership id -> its closure days and overrides, in three queries (None: every one)."""
    ids = None if partnership_ids is None else list(partnership_ids)

    def only(query, column):
        return query if ids is None else query.where(column.in_(ids))

    versions = db.session.execute(
        only(sa.select(Partnership.id, Partnership.rules_version), Partnership.id)
    ).all()
    closures: dict[int, dict[date, str]] = {}
    for pid, day, description in db.session.execute(
        only(
            sa.select(ClosureDay.partnership_id, ClosureDay.day, ClosureDay.description),
            ClosureDay.partnership_id,
        )
    ):
        closures.setdefault(pid, {})[day] = description
    overrides: dict[int, dict[str, _Override]] = {}
    for pid, key, amount, earliest in db.session.execute(
        only(
            sa.select(
                RuleOverride.partnership_id,
                RuleOverride.rule_key,
                RuleOverride.amount,
                RuleOverride.earliest_amount,
            ),
            RuleOverride.partnership_id,
        ).where(RuleOverride.switched_off_on.is_(None))
    ):
        overrides.setdefault(pid, {})[key] = _Override(amount, earliest)
    return {
        pid: PartnershipRules(
            id=pid,
            rules_version=version or 0,
            closure_dates=frozenset(closures.get(pid, ())),
            closure_descriptions=closures.get(pid, {}),
            rule_overrides=overrides.get(pid, {}),
        )
        for pid, version in versions
    }


class Dates:
    """(earliest, due) per partnership, rule, edition and trigger date, each computed once."""

    def __init__(self, rules: dict[int, PartnershipRules]):
        self.rules = rules
        self._memo: dict[tuple, tuple[date | None, date | None] | None] = {}

    def version(self, partnership_id: int) -> int:
        """The partnership's rules_version (0 for an unknown partnership)."""
        rules = self.rules.get(partnership_id)
        return rules.rules_version if rules else 0

    def get(self, partnership_id, rule_key, edition, trigger):
        """(earliest, due), or None when the edition has no such rule."""
        key = (partnership_id, rule_key, edition, trigger)
        if key not in self._memo:
            self._memo[key] = _compute(rule_key, edition, trigger, self.rules.get(partnership_id))
        return self._memo[key]


def _compute(rule_key, edition, trigger, rules):
    try:
        return deadlines.window(rule_key, trigger, rules, edition)
    except KeyError:
        return None
    except ValueError:
        # A date outside the supported calendar (1990 to 2100): no due date rather than a 500.
        log.warning("No due date for %s from %s: outside the calendar", rule_key, trigger)
        return (None, None)


# --- Which edition a case follows ----------------------------------------------------------


def edition_on(day: date | None) -> str:
    """The rules edition in force on a day (today's when None), per RULES_WT2023_FROM."""
    return deadlines.edition_in_force(day or london_today(),
                                      current_app.config["RULES_WT2023_FROM"])


def edition_of(case, case_type: CaseDeadlines) -> str:
    """The edition a case follows: the one in force on the day its clock started (today's
    while that is not known), or, for a case following another, its stored `rules_edition`
    (kept in step by sync_case and the bulk rebuild)."""
    if case_type.edition_from is None:
        return case.rules_edition or deadlines.CURRENT_EDITION
    return edition_on(getattr(case, case_type.edition_from))


def set_edition(case, case_type: CaseDeadlines) -> bool:
    """Give an ORM case the edition it follows now; whether it changed (no flush)."""
    if case_type.edition_follows is not None:
        parent_type = next(m for m in all_case_deadlines()
                           if m.owner_type == case_type.edition_parent_table)
        parent = db.session.get(parent_type.model, getattr(case, case_type.edition_follows))
        edition = parent.rules_edition if parent is not None else case.rules_edition
    else:
        edition = edition_of(case, case_type)
    if case.rules_edition == edition:
        return False
    case.rules_edition = edition
    return True


def _followers(case, case_type: CaseDeadlines) -> list:
    """The records whose edition follows this case's (its agency requests, say)."""
    found = []
    for mapping in all_case_deadlines():
        if mapping.edition_parent_table == case_type.owner_type:
            column = getattr(mapping.model, mapping.edition_follows)
            found += db.session.scalars(sa.select(mapping.model).where(column == case.id))
    return found


def wanted_deadlines(case, case_type: CaseDeadlines, dates: Dates) -> dict[str, dict]:
    """rule_key -> the column values of each deadline this case should have now.

    `case` is an ORM object or a Core row with the mapping's columns. Every deadline follows
    the rules edition the case's clocks started under (`edition_of`): a rule its edition
    lacks is not stored.
    """
    edition = edition_of(case, case_type)
    wanted = {}
    for spec in case_type.specs:
        if not spec.wanted_for(case):
            continue
        trigger = spec.start(case)
        computed = dates.get(case.partnership_id, spec.rule_key, edition, trigger)
        if computed is None:
            continue
        values = {
            "partnership_id": case.partnership_id,
            "edition": edition,
            "trigger_date": trigger,
            "earliest_date": computed[0],
            "due_date": computed[1],
            "rules_version": dates.version(case.partnership_id),
        }
        if spec.met is not None:
            # Otherwise met_on is left as it is: a later form may record it on the deadline.
            values["met_on"] = getattr(case, spec.met)
        if spec.set_aside_by is not None:
            # The mapping owns this deadline's reason: set aside as not needed, or applicable.
            values["not_applicable_reason"] = (spec.set_aside_reason if spec.set_aside(case)
                                               else None)
        wanted[spec.rule_key] = values
    return wanted


# --- One case ----------------------------------------------------------------------------


def deadlines_of(case):
    """A where-clause for every stored deadline of a case (of any registered model)."""
    case_type = case_deadlines_for(case)
    return sa.and_(Deadline.owner_type == case_type.owner_type, Deadline.owner_id == case.id)


def sync_case(case) -> list[Deadline]:
    """Create, update or delete a case's stored deadlines from its current dates (no commit).

    Call it whenever a case's dates or flags change. The case takes the edition in force on
    the day its clock started, and its deadlines (met dates, reasons, extensions kept) and
    those of the records following it (its agency requests) follow when that changes.
    Reasons a user recorded on a deadline (not applicable, paused, extended) are kept while
    the deadline still applies.
    """
    case_type = case_deadlines_for(case)
    db.session.flush()  # the case needs its id, and the partnership's settings their rows
    if set_edition(case, case_type):
        for follower in _followers(case, case_type):
            sync_case(follower)
    existing = {
        row.rule_key: row
        for row in db.session.scalars(
            sa.select(Deadline).where(
                deadlines_of(case),
                Deadline.item == "",
                Deadline.rule_key.in_(case_type.rule_keys),
            )
        )
    }
    dates = Dates(load_rules([case.partnership_id]))
    wanted = wanted_deadlines(case, case_type, dates)
    for key, row in existing.items():
        if key not in wanted:
            db.session.delete(row)
    current = []
    for key, values in wanted.items():
        row = existing.get(key)
        if row is None:
            row = Deadline(rule_key=key, item="", owner_type=case_type.owner_type,
                           owner_id=case.id)
            db.session.add(row)
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
        current.append(row)
    return sorted(current, key=lambda row: (row.due_date or date.max, row.rule_key))


# --- Status ----------------------------------------------------------------------------------


def status_of(deadline: Deadline, today: date, partnership=None) -> deadlines.DeadlineStatus:
    """Where a stored deadline stands on `today`; "due soon" per DUE_SOON_WORKING_DAYS."""
    Status = deadlines.DeadlineStatus
    if deadline.not_applicable_reason:
        return Status.NOT_APPLICABLE
    if deadline.due_date is None:
        return Status.NOT_YET_DUE
    if deadline.rule_key in FOR_INFORMATION_RULES:
        # The Panel's: shown for information, never overdue for the partnership, nor met
        # late or on time by it once the Panel has done it.
        return Status.FOR_INFORMATION
    if deadline.rule_key in MINIMUM_PERIOD_RULES:
        # "Keep it public until": fulfilled once the date is reached, never overdue.
        due = deadline.extended_to or deadline.due_date
        return Status.MET_ON_TIME if today >= due else Status.NOT_YET_DUE
    return deadlines.deadline_status(
        deadline.due_date,
        today,
        met_on=deadline.met_on,
        paused=bool(deadline.paused_reason),
        extended_to=deadline.extended_to,
        due_soon_days=current_app.config["DUE_SOON_WORKING_DAYS"],
        partnership=partnership,
    )


def open_deadlines():
    """A where-clause for the partnership's deadlines still to do: not met, applicable, not a
    minimum period nor another body's (NOT_THE_PARTNERSHIPS)."""
    return sa.and_(
        Deadline.met_on.is_(None),
        Deadline.not_applicable_reason.is_(None),
        Deadline.rule_key.not_in(NOT_THE_PARTNERSHIPS),
    )
