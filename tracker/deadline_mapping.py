"""How a domain tells the shell which of its case columns start and meet which deadlines.

A domain registers a `CaseDeadlines` per case model (see tracker.domains); the shell checks
it against the model's table and the rules when it registers, so a typo fails at start-up,
not at the first sync.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker import deadlines


class DeadlineMappingError(ValueError):
    """A domain's deadline mapping names a column or rule that does not exist."""


def when(**conditions) -> tuple[tuple[str, object], ...]:
    """A DeadlineSpec condition: every named column of the case must hold the given value
    (or, for an `at_most` value, a number no greater than it)."""
    return tuple(sorted(conditions.items()))


@dataclass(frozen=True)
class AtMost:
    """A condition value in when(): the column holds a number no greater than `limit` (an
    empty column does not). Read with getattr, like any condition, so it holds alike for an
    ORM object and for a Core row of the bulk recompute."""

    limit: int

    def holds(self, value) -> bool:
        """Whether a column's value meets the condition."""
        return value is not None and value <= self.limit


def at_most(limit: int) -> AtMost:
    """when(age=at_most(24)): the column is 24 or less (and not empty)."""
    return AtMost(limit)


def _meets(value, wanted) -> bool:
    """Whether a column's value meets one condition of when()."""
    return wanted.holds(value) if isinstance(wanted, AtMost) else value == wanted


@dataclass(frozen=True)
class DeadlineSpec:
    """One stored deadline of a case type: its rule, what starts it, meets it, and when."""

    rule_key: str
    trigger: str
    met: str | None = None
    # (column, value) pairs the case must match, from when(); empty: always applies.
    applies_when: tuple[tuple[str, object], ...] = ()
    # A second date that starts the clock instead when it is later than the trigger (such
    # as the day a suspicion arose after the incident was known); None or empty: the trigger.
    later_of: str | None = None
    # A date column that sets the deadline aside as not needed (no post-mortem will be held,
    # so no results will come): while the trigger is empty and this date is recorded, the
    # deadline is stored from this date with `set_aside_reason` as its not-applicable reason,
    # so it is never open, overdue or reminded, and compliance counts it as not applicable.
    set_aside_by: str | None = None
    set_aside_reason: str = ""

    def set_aside(self, case) -> bool:
        """Whether this case has the deadline set aside as not needed (see `set_aside_by`)."""
        return (self.set_aside_by is not None and getattr(case, self.trigger) is None
                and getattr(case, self.set_aside_by) is not None)

    def start(self, case):
        """The date the clock starts for this case: the trigger, or `later_of` when later (or
        the date it was set aside)."""
        if self.set_aside(case):
            return getattr(case, self.set_aside_by)
        started = getattr(case, self.trigger)
        later = getattr(case, self.later_of) if self.later_of else None
        if started is None or later is None:
            return started
        return max(started, later)

    def wanted_for(self, case) -> bool:
        """Whether this case (an ORM object or a Core row) should have this deadline now."""
        if getattr(case, self.trigger) is None and not self.set_aside(case):
            return False
        return all(_meets(getattr(case, name), wanted) for name, wanted in self.applies_when)

    @property
    def columns(self) -> set[str]:
        """The case columns this deadline reads."""
        names = {self.trigger, *(name for name, _ in self.applies_when)}
        names |= {self.later_of} if self.later_of else set()
        names |= {self.set_aside_by} if self.set_aside_by else set()
        return names | ({self.met} if self.met else set())


@dataclass(frozen=True)
class CaseDeadlines:
    """The stored deadlines of one case model; its table name is the deadlines' owner type.

    Which rules edition the case follows comes from one of two places: `edition_from`, the
    column holding the day its clock started (the edition in force that day), or
    `edition_follows`, a foreign key to a case whose edition it shares (an agency request
    follows its child death case). Exactly one of them is set.
    """

    model: type
    specs: tuple[DeadlineSpec, ...]
    edition_from: str | None = None
    edition_follows: str | None = None

    @property
    def edition_parent_table(self) -> str | None:
        """The table of the case whose edition this one follows (None: its own date's)."""
        if self.edition_follows is None:
            return None
        keys = self.model.__table__.c[self.edition_follows].foreign_keys
        return next(iter(keys)).column.table.name

    @property
    def owner_type(self) -> str:
        """What Deadline.owner_type holds for this model's deadlines: its table name."""
        return self.model.__tablename__

    @property
    def rule_keys(self) -> tuple[str, ...]:
        """The rules this mapping manages (other rows of a case are left alone)."""
        return tuple(spec.rule_key for spec in self.specs)

    @property
    def columns(self) -> list[str]:
        """Every case column the mapping reads, for the bulk query."""
        names = set().union(*(spec.columns for spec in self.specs))
        names |= {name for name in (self.edition_from, self.edition_follows) if name}
        return ["id", "partnership_id", "rules_edition", *sorted(names)]

    def check(self) -> None:
        """Refuse a mapping that names a missing column or rule, or repeats a rule."""
        table_columns = set(self.model.__table__.columns.keys())
        problems = [f"no column {name!r}" for name in sorted(set(self.columns) - table_columns)]
        known_rules = set().union(*(set(rules) for rules in deadlines.RULESETS.values()))
        problems += [f"no rule {key!r}" for key in self.rule_keys if key not in known_rules]
        if len(set(self.rule_keys)) != len(self.rule_keys):
            problems.append("a rule mapped twice")
        if (self.edition_from is None) == (self.edition_follows is None):
            problems.append("not one of edition_from (the clock's start) or edition_follows")
        elif self.edition_follows in table_columns and not (
            self.model.__table__.c[self.edition_follows].foreign_keys
        ):
            problems.append(f"no foreign key {self.edition_follows!r}")
        if problems:
            raise DeadlineMappingError(
                f"The deadline mapping of {self.model.__name__} has " + ", ".join(problems)
            )
