"""Stored deadlines in bulk: recompute after the calendar or rules change, rebuild every case.

These functions read and write with Core statements and never build an ORM object per row.
Core statements bypass the Audited mixin on purpose: a recomputation is a consequence, not a
change anyone made. What caused it (a closure day, an override, a case's dates) is itself
audited, and every due date can be recomputed from it at any time.
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa

from tracker import kept_due
from tracker.deadline_mapping import CaseDeadlines
from tracker.deadline_models import Deadline
from tracker.deadline_service import (
    Dates,
    PartnershipRules,
    edition_of,
    load_rules,
    wanted_deadlines,
)
from tracker.domains import all_case_deadlines
from tracker.extensions import db

BATCH_SIZE = 5000


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
    dates = Dates(rules)
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
    # Before any deadline row is written or locked (kept_due.lock_owners says why).
    kept_due.lock_owners([row["b_id"] for row in changed])
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
    """Core statements bypass the session: reload any Deadline it holds on next access (and
    any case's edition, which the rebuild may have set)."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Deadline):
            db.session.expire(obj)
        elif hasattr(obj, "rules_edition"):
            db.session.expire(obj, ["rules_edition"])


# --- Every case at once ------------------------------------------------------------------


class Rebuilt(NamedTuple):
    """What rebuild_all wrote."""

    inserted: int = 0
    updated: int = 0
    deleted: int = 0

    def __add__(self, other):
        return Rebuilt(*(a + b for a, b in zip(self, other, strict=True)))


_COMPARED = ("partnership_id", "edition", "trigger_date", "earliest_date", "due_date", "met_on",
             "rules_version", "not_applicable_reason")


def rebuild_all() -> Rebuilt:
    """Bring every case's stored deadlines in line with its dates, in bulk, and commit.

    Gives the same rows as `sync_case` on each case, with a fixed number of queries: reads
    every case and deadline once, then inserts, updates and deletes in batches. Used after
    seeding or importing cases. Each case gets the edition in force when its clock started
    (records following a case, after it, the case's). Reasons recorded on deadlines are kept.
    """
    dates = Dates(load_rules())
    total = Rebuilt()
    # A case's edition is set before the records that follow it copy it.
    mappings = sorted(all_case_deadlines(), key=lambda m: m.edition_follows is not None)
    for case_type in mappings:
        _set_editions(case_type)
        total += _rebuild(case_type, dates)
    _expire_loaded_deadlines()
    db.session.commit()
    return total


def _set_editions(case_type: CaseDeadlines) -> None:
    """Store on every case of a type the edition it follows (edition_of), in batches."""
    cases = case_type.model.__table__
    if case_type.edition_follows is not None:
        parents = db.metadata.tables[case_type.edition_parent_table]
        parent_edition = (
            sa.select(parents.c.rules_edition)
            .where(parents.c.id == cases.c[case_type.edition_follows])
            .scalar_subquery()
        )
        db.session.execute(
            sa.update(cases)
            .where(cases.c.rules_edition != parent_edition)
            .values(rules_edition=parent_edition)
        )
        return
    changed = [
        {"b_id": case.id, "b_edition": edition}
        for case in db.session.execute(
            sa.select(cases.c.id, cases.c.rules_edition, cases.c[case_type.edition_from])
        )
        if (edition := edition_of(case, case_type)) != case.rules_edition
    ]
    _in_batches(
        sa.update(cases).where(cases.c.id == sa.bindparam("b_id"))
        .values(rules_edition=sa.bindparam("b_edition")),
        changed,
    )


def _rebuild(case_type: CaseDeadlines, dates: Dates) -> Rebuilt:
    table, cases = Deadline.__table__, case_type.model.__table__
    stored: dict[int, dict] = {}
    for row in db.session.execute(
        sa.select(table.c.owner_id, table.c.rule_key, table.c.id,
                  *(table.c[name] for name in _COMPARED))
        .where(table.c.owner_type == case_type.owner_type, table.c.item == "",
               table.c.rule_key.in_(case_type.rule_keys))
    ):
        stored.setdefault(row[0], {})[row[1]] = row
    inserts, updates, deletes = [], [], []
    for case in db.session.execute(sa.select(*(cases.c[name] for name in case_type.columns))):
        current = stored.get(case.id, {})
        wanted = wanted_deadlines(case, case_type, dates)
        deletes += [row.id for key, row in current.items() if key not in wanted]
        for key, values in wanted.items():
            row = current.get(key)
            if row is None:
                inserts.append({"met_on": None, "not_applicable_reason": None, **values,
                                "rule_key": key, "item": "",
                                "owner_type": case_type.owner_type, "owner_id": case.id})
                continue
            values.setdefault("met_on", row.met_on)
            # A reason recorded on the deadline is kept unless the mapping owns it.
            values.setdefault("not_applicable_reason", row.not_applicable_reason)
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
