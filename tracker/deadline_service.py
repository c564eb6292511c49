"""Stored deadlines: the one place that turns a case's dates into Deadline rows.

`CASE_DEADLINES` says, per case type, which rule each stored deadline follows, which date
starts it, which date meets it and when it applies. `sync_case` applies that mapping to one
case through the ORM, so its changes are audited like any other edit. A rule that does not
apply to a case (no Joint Agency Response, no local review) is not stored for it, so a query
for open deadlines by due date never has to know the rules; a rule whose starting date is not
known yet is not stored either.

The bulk functions (`rebuild_all`, `recompute_partnership`, `recompute_all`) read and write
with Core statements and never build an ORM object per row. Core statements bypass the
Audited mixin on purpose: a recomputation is a consequence, not a change anyone made. What
caused it (a closure day, an override, a case's dates) is itself audited, and every due date
can be recomputed from it at any time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app

from cdr.models import ChildDeathCase
from reviews.models import SeriousIncident
from tracker import deadlines
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.models import ClosureDay, Partnership, RuleOverride

log = logging.getLogger(__name__)

BATCH_SIZE = 5000
# Rules whose date is the earliest a published report may come down, not a task to do: once
# the date has passed the duty is fulfilled, so they never count as overdue.
MINIMUM_PERIOD_RULES = frozenset({"cspr_public_until", "national_public_until"})


def when(**conditions) -> tuple[tuple[str, object], ...]:
    """A DeadlineSpec condition: every named column of the case must hold the given value."""
    return tuple(sorted(conditions.items()))


@dataclass(frozen=True)
class DeadlineSpec:
    """One stored deadline of a case type: its rule, what starts it, meets it, and when."""

    rule_key: str
    trigger: str
    met: str | None = None
    # (column, value) pairs the case must match, from when(); empty: always applies.
    applies_when: tuple[tuple[str, object], ...] = ()

    def wanted_for(self, case) -> bool:
        """Whether this case (an ORM object or a Core row) should have this deadline now."""
        if getattr(case, self.trigger) is None:
            return False
        return all(getattr(case, name) == value for name, value in self.applies_when)

    @property
    def columns(self) -> set[str]:
        """The case columns this deadline reads."""
        names = {self.trigger, *(name for name, _ in self.applies_when)}
        return names | ({self.met} if self.met else set())


@dataclass(frozen=True)
class CaseDeadlines:
    """The stored deadlines of one case type, and the Deadline column naming the case."""

    model: type
    owner: str
    specs: tuple[DeadlineSpec, ...]

    @property
    def rule_keys(self) -> tuple[str, ...]:
        """The rules this mapping manages (other rows of a case are left alone)."""
        return tuple(spec.rule_key for spec in self.specs)

    @property
    def columns(self) -> list[str]:
        """Every case column the mapping reads, for the bulk query."""
        names = set().union(*(spec.columns for spec in self.specs))
        return ["id", "partnership_id", *sorted(names)]


_JAR = when(jar_required=True)
# Paragraph 13 ([003] L1378) is about the death of a looked-after child only.
_LOOKED_AFTER_CHILD_DIED = when(looked_after=True, child_died=True)
_LOCAL, _NATIONAL = when(decision="local"), when(decision="national")

CASE_DEADLINES = (
    CaseDeadlines(
        ChildDeathCase,
        "cdr_case_id",
        (
            DeadlineSpec("registrar_notification", "death_registered_on", "registrar_notified_on"),
            DeadlineSpec("coroner_notification", "coroner_decision_on", "coroner_notified_on"),
            DeadlineSpec("rr_meeting_1", "date_of_death", applies_when=_JAR),
            DeadlineSpec("rr_meeting_2", "date_of_death", applies_when=_JAR),
            DeadlineSpec("rr_meeting_3", "date_of_death", applies_when=_JAR),
        ),
    ),
    CaseDeadlines(
        SeriousIncident,
        "incident_id",
        (
            DeadlineSpec("panel_notification", "la_aware_on", "panel_notified_on"),
            DeadlineSpec("partners_notification", "la_aware_on", "partners_notified_on"),
            DeadlineSpec(
                "sos_ofsted_lac_notification",
                "la_aware_on",
                "sos_ofsted_notified_on",
                applies_when=_LOOKED_AFTER_CHILD_DIED,
            ),
            DeadlineSpec("rapid_review", "panel_notified_on", "rapid_review_sent_on"),
            DeadlineSpec("cspr_publication", "decision_on", "published_on", _LOCAL),
            DeadlineSpec(
                "cspr_prepublication_copies", "planned_publication_on", "copies_sent_on", _LOCAL
            ),
            DeadlineSpec("cspr_public_until", "published_on", applies_when=_LOCAL),
            DeadlineSpec("national_publication", "decision_on", "published_on", _NATIONAL),
            DeadlineSpec("national_public_until", "published_on", applies_when=_NATIONAL),
        ),
    ),
)


def _case_deadlines(case) -> CaseDeadlines:
    for case_type in CASE_DEADLINES:
        if isinstance(case, case_type.model):
            return case_type
    raise TypeError(f"No stored deadlines are defined for {type(case).__name__}")


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
        )
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


class _Dates:
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


def _wanted(case, case_type: CaseDeadlines, editions: dict[str, str], dates: _Dates):
    """rule_key -> the column values of each deadline this case should have now."""
    # A case keeps the edition its deadlines were first computed under.
    case_edition = next(iter(editions.values()), deadlines.CURRENT_EDITION)
    wanted = {}
    for spec in case_type.specs:
        if not spec.wanted_for(case):
            continue
        edition = editions.get(spec.rule_key, case_edition)
        trigger = getattr(case, spec.trigger)
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
        wanted[spec.rule_key] = values
    return wanted


# --- One case ----------------------------------------------------------------------------


def sync_case(case) -> list[Deadline]:
    """Create, update or delete a case's stored deadlines from its current dates (no commit).

    Call it whenever a case's dates or flags change. Reasons a user recorded on a deadline
    (not applicable, paused, extended) are kept while the deadline still applies.
    """
    case_type = _case_deadlines(case)
    db.session.flush()  # the case needs its id, and the partnership's settings their rows
    owner = getattr(Deadline, case_type.owner)
    existing = {
        row.rule_key: row
        for row in db.session.scalars(
            sa.select(Deadline).where(
                owner == case.id,
                Deadline.item == "",
                Deadline.rule_key.in_(case_type.rule_keys),
            )
        )
    }
    dates = _Dates(load_rules([case.partnership_id]))
    editions = {key: row.edition for key, row in existing.items()}
    wanted = _wanted(case, case_type, editions, dates)
    for key, row in existing.items():
        if key not in wanted:
            db.session.delete(row)
    current = []
    for key, values in wanted.items():
        row = existing.get(key)
        if row is None:
            row = Deadline(rule_key=key, item="", **{case_type.owner: case.id})
            db.session.add(row)
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
        current.append(row)
    return sorted(current, key=lambda row: (row.due_date or date.max, row.rule_key))


# --- Recomputing after closure days or overrides change ----------------------------------------


def rules_changed(partnership) -> int:
    """After a closure day or override changed: bump rules_version, recompute; rows moved."""
    partnership.rules_version = (partnership.rules_version or 0) + 1
    return recompute_partnership(partnership)


def recompute_partnership(partnership) -> int:
    """Recompute a partnership's stored due dates from their trigger dates (no commit).

    Returns how many deadlines got a different date. Only those rows are rewritten; the
    others get the partnership's current rules_version in one statement.
    """
    db.session.flush()
    rules = load_rules([partnership.id])
    return _recompute(Deadline.__table__.c.partnership_id == partnership.id, rules)


def recompute_all() -> int:
    """Recompute every stored deadline of every partnership, and commit; rows moved."""
    changed = _recompute(sa.true(), load_rules())
    db.session.commit()
    return changed


def _recompute(where, rules: dict[int, PartnershipRules]) -> int:
    table = Deadline.__table__
    dates = _Dates(rules)
    rows = db.session.execute(
        sa.select(
            table.c.id,
            table.c.partnership_id,
            table.c.rule_key,
            table.c.edition,
            table.c.trigger_date,
            table.c.earliest_date,
            table.c.due_date,
        ).where(where, table.c.trigger_date.is_not(None))
    )
    changed = []
    for row in rows:
        computed = dates.get(row.partnership_id, row.rule_key, row.edition, row.trigger_date)
        if computed is not None and computed != (row.earliest_date, row.due_date):
            changed.append(
                {
                    "b_id": row.id,
                    "b_earliest": computed[0],
                    "b_due": computed[1],
                    "b_version": dates.version(row.partnership_id),
                }
            )
    for pid, partnership_rules in rules.items():
        db.session.execute(
            sa.update(table)
            .where(where, table.c.partnership_id == pid)
            .where(table.c.rules_version != partnership_rules.rules_version)
            .values(rules_version=partnership_rules.rules_version)
        )
    update = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("b_id"))
        .values(
            earliest_date=sa.bindparam("b_earliest"),
            due_date=sa.bindparam("b_due"),
            rules_version=sa.bindparam("b_version"),
        )
    )
    _in_batches(update, changed)
    _expire_loaded_deadlines()
    return len(changed)


def _in_batches(statement, params: list[dict]) -> None:
    for start in range(0, len(params), BATCH_SIZE):
        db.session.execute(statement, params[start : start + BATCH_SIZE])


def _expire_loaded_deadlines() -> None:
    """Core statements bypass the session: reload any Deadline it holds on next access."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Deadline):
            db.session.expire(obj)


# --- Every case at once ------------------------------------------------------------------


class Rebuilt(NamedTuple):
    """What rebuild_all wrote."""

    inserted: int = 0
    updated: int = 0
    deleted: int = 0

    def __add__(self, other):
        return Rebuilt(*(a + b for a, b in zip(self, other, strict=True)))


_COMPARED = ("partnership_id", "edition", "trigger_date", "earliest_date", "due_date", "met_on",
             "rules_version")


def rebuild_all() -> Rebuilt:
    """Bring every case's stored deadlines in line with its dates, in bulk, and commit.

    Gives the same rows as `sync_case` on each case, with a fixed number of queries: reads
    every case and deadline once, then inserts, updates and deletes in batches. Used after
    seeding or importing cases. Reasons recorded on deadlines are kept.
    """
    dates = _Dates(load_rules())
    total = Rebuilt()
    for case_type in CASE_DEADLINES:
        total += _rebuild(case_type, dates)
    _expire_loaded_deadlines()
    db.session.commit()
    return total


def _rebuild(case_type: CaseDeadlines, dates: _Dates) -> Rebuilt:
    table, cases = Deadline.__table__, case_type.model.__table__
    owner = table.c[case_type.owner]
    stored: dict[int, dict] = {}
    for row in db.session.execute(
        sa.select(owner, table.c.rule_key, table.c.id, *(table.c[name] for name in _COMPARED))
        .where(owner.is_not(None), table.c.item == "", table.c.rule_key.in_(case_type.rule_keys))
    ):
        stored.setdefault(row[0], {})[row[1]] = row
    inserts, updates, deletes = [], [], []
    for case in db.session.execute(sa.select(*(cases.c[name] for name in case_type.columns))):
        current = stored.get(case.id, {})
        wanted = _wanted(case, case_type, {k: r.edition for k, r in current.items()}, dates)
        deletes += [row.id for key, row in current.items() if key not in wanted]
        for key, values in wanted.items():
            row = current.get(key)
            if row is None:
                inserts.append({"met_on": None, **values, "rule_key": key, "item": "",
                                case_type.owner: case.id})
                continue
            values.setdefault("met_on", row.met_on)
            if tuple(row[3:]) != tuple(values[name] for name in _COMPARED):
                updates.append({"b_id": row.id, **{f"b_{k}": v for k, v in values.items()}})
    _write(inserts, updates, deletes)
    return Rebuilt(len(inserts), len(updates), len(deletes))


def _write(inserts: list[dict], updates: list[dict], deletes: list[int]) -> None:
    table = Deadline.__table__
    _in_batches(sa.insert(table), inserts)
    update = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("b_id"))
        .values({name: sa.bindparam(f"b_{name}") for name in _COMPARED})
    )
    _in_batches(update, updates)
    for start in range(0, len(deletes), 500):
        db.session.execute(sa.delete(table).where(table.c.id.in_(deletes[start : start + 500])))


# --- Status ----------------------------------------------------------------------------------


def status_of(deadline: Deadline, today: date, partnership=None) -> deadlines.DeadlineStatus:
    """Where a stored deadline stands on `today`; "due soon" per DUE_SOON_WORKING_DAYS."""
    Status = deadlines.DeadlineStatus
    if deadline.not_applicable_reason:
        return Status.NOT_APPLICABLE
    if deadline.due_date is None:
        return Status.NOT_YET_DUE
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
    """A where-clause for deadlines still to do: not met, applicable, not a minimum period."""
    return sa.and_(
        Deadline.met_on.is_(None),
        Deadline.not_applicable_reason.is_(None),
        Deadline.rule_key.not_in(MINIMUM_PERIOD_RULES),
    )
