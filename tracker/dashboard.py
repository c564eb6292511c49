"""The home page's cross-domain deadlines: overdue, due today and due soon, and how many
deadlines were met on time this year.

Every domain's stored deadlines are in the `deadline` table, by owner_type; each domain says
through tracker.domains.DeadlineOwners who may see them, which the user acts on, and what
case each belongs to. Each section is one ranged read of the open-deadline index
(ix_deadline_open_due) in stored due-date order, so the page costs the same number of
queries, and about the same time, at 100,000 cases as at 1,000.

The order is (due date, id), and the index ends with the id: SQLite's indexes end in the
rowid anyway, PostgreSQL's do not: without it PostgreSQL read every deadline of each due
date reached to sort it by id, 900 rows and 400 case lookups at 100,000 cases for the
hundred it counts, or read the whole range first (see first_in_order).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app, g

from tracker import deadline_service, deadlines
from tracker.deadline_models import Deadline
from tracker.domains import DeadlineOwner, deadline_owners_for
from tracker.extensions import db

# Deadlines due within this many calendar days count as coming up on the home page.
DUE_SOON_DAYS = 14
# Rows shown per section; beyond that the section is counted up to COUNT_CAP ("more than").
SHOWN = 10
COUNT_CAP = 100
# The "met on time this year" figure reads at most this many of the latest deadlines due in
# each partnership (most of a partnership's year, in real life; the page says when it stops).
MET_CAP = 500


class DeadlineRow(NamedTuple):
    """One deadline as the home page lists it."""

    owner: DeadlineOwner
    label: str
    due: date
    status: deadlines.DeadlineStatus


class Section(NamedTuple):
    """The first rows of a section and how many there are (at most COUNT_CAP, then capped)."""

    rows: list[DeadlineRow]
    total: int
    capped: bool


class Deadlines(NamedTuple):
    """The three sections of the home page's deadlines, and each domain's lists of them."""

    overdue: Section
    today: Section
    soon: Section
    days: int
    # {"overdue" or "soon": [(link text, href)]}
    lists: dict


class MetOnTime(NamedTuple):
    """Of the deadlines of one partnership that fell due this year, how many were met on
    time; `capped` when only the latest MET_CAP were read."""

    partnership_id: int
    on_time: int
    due: int
    capped: bool

    @property
    def percent(self) -> int:
        """The share met on time, rounded down to a whole per cent."""
        return self.on_time * 100 // self.due if self.due else 0


def partnership_rules(partnership_ids) -> dict:
    """The partnerships' closure days and overrides (deadline_service.load_rules), read once
    per request however many of the home page's panels show a status."""
    key = tuple(sorted(partnership_ids))
    memo = g.setdefault("dashboard_rules", {})
    if key not in memo:
        memo[key] = deadline_service.load_rules(key)
    return memo[key]


def visible_owner_types(user) -> list[str]:
    """The owner types of the deadlines this user may see (none: no deadline section)."""
    return [owner for owners, _ in deadline_owners_for(user) for owner in owners]


def home_deadlines(user, today: date) -> Deadlines | None:
    """The user's overdue, due-today and due-soon deadlines, or None if they see none."""
    domains = deadline_owners_for(user)
    if not domains or not user.partnership_ids:
        return None
    ids = sorted(user.partnership_ids)
    rules = partnership_rules(ids)
    statements = _reused(("sections", user.id, user.role, tuple(ids)),
                         lambda: _section_statements(user, domains, ids))
    dates = {"today": today, "horizon": today + timedelta(days=DUE_SOON_DAYS)}
    found = [db.session.execute(statement, dates).all() for statement in statements]
    owners = _describe(domains, [row for rows in found for row in rows[:SHOWN]])
    return Deadlines(*(_section(rows, owners, rules, today) for rows in found),
                     days=DUE_SOON_DAYS, lists=_lists(user, domains))


def _reused(key, build):
    """A statement built once per app and key, then run again with new parameters: building
    the home page's statements (and their cache keys) cost more than running them."""
    built = current_app.extensions.setdefault("tracker.dashboard.statements", {})
    if key not in built:
        built[key] = build()
    return built[key]


def _section_statements(user, domains, ids):
    """The overdue, due-today and due-soon select()s, with :today and :horizon to bind.

    Each is a range of the open-deadline index by stored due date. A deadline extended after
    its first due date passed is found only among the overdue ones (see README)."""
    scope = _scope(user, domains)
    effective = sa.func.coalesce(Deadline.extended_to, Deadline.due_date)
    today = sa.bindparam("today", type_=sa.Date())
    horizon = sa.bindparam("horizon", type_=sa.Date())
    return [
        # The most recently overdue first: read off the end of the index, so the page
        # costs the same however many old deadlines were never closed.
        _read(ids, scope.where(Deadline.due_date < today, effective < today), descending=True),
        _read(ids, scope.where(Deadline.due_date == today, effective == today)),
        _read(ids, scope.where(Deadline.due_date > today, Deadline.due_date <= horizon,
                               effective <= horizon)),
    ]


def _scope(user, domains):
    """A select() of the open, unpaused deadlines of the user's domains (any partnership)."""
    kinds = []
    for owner_types, owners in domains:
        condition = Deadline.owner_type.in_(owner_types)
        limit = owners.scope(user) if owners.scope else None
        kinds.append(condition if limit is None else sa.and_(condition, limit))
    return sa.select(*Deadline.__table__.columns).where(
        deadline_service.open_deadlines(),
        Deadline.paused_reason.is_(None),
        sa.or_(*kinds),
    )


def _read(partnership_ids, query, descending=False):
    """A select() of up to COUNT_CAP + 1 deadlines (rows with the deadline's columns) in
    due-date order, off ix_deadline_open_due: the shown rows and the count."""
    return first_in_order(query, Deadline.partnership_id, partnership_ids,
                          (Deadline.due_date, Deadline.id), COUNT_CAP + 1, descending)


def first_in_order(query, partnership, partnership_ids, columns, limit, descending=False):
    """A select() of the first `limit` rows of `query` in the order of `columns` (selected
    by the query, the last one unique, such as the id), or the last ones if `descending`.

    Each partnership's rows are read in order off an index that starts with the partnership
    and ends with `columns` (the id too: SQLite's indexes end in the rowid, PostgreSQL's do
    not), and cut at the limit; several partnerships' parts are then merged. Both databases
    read one partnership's index range in order and stop at the limit, but not several
    partnerships' at once: PostgreSQL then read and sorted every row of the ranges."""
    order = [column.desc() if descending else column for column in columns]
    if not partnership_ids:
        return query.where(sa.false()).order_by(*order).limit(limit)
    if len(partnership_ids) == 1:  # most users: no merge to build
        return (query.where(partnership == partnership_ids[0])
                .order_by(*order).limit(limit))
    parts = [sa.select(query.where(partnership == pid).order_by(*order).limit(limit)
                       .subquery())
             for pid in partnership_ids]
    merged = sa.union_all(*parts).subquery()
    merged_order = [merged.c[column.key] for column in columns]
    return (sa.select(merged)
            .order_by(*(column.desc() if descending else column for column in merged_order))
            .limit(limit))


def _describe(domains, rows) -> dict[tuple[str, int], DeadlineOwner]:
    """(owner_type, owner_id) -> its case reference and link: one call per domain when any
    row is shown (even a domain with none of them, so the query count stays the same)."""
    owners = {}
    for owner_types, registered in domains if rows else ():
        owners.update(registered.describe(sorted(
            {(row.owner_type, row.owner_id) for row in rows if row.owner_type in owner_types})))
    return owners


def _lists(user, domains) -> dict[str, list[tuple[str, str]]]:
    lists = {"overdue": [], "soon": []}
    for _, owners in domains:
        for key, link in (owners.lists(user) if owners.lists else {}).items():
            lists[key].append(link)
    return lists


def _section(found, owners, rules, today) -> Section:
    rows = [
        DeadlineRow(owners[(row.owner_type, row.owner_id)],
                    deadlines.get_rule(row.rule_key, row.edition).label,
                    row.extended_to or row.due_date,
                    deadline_service.status_of(row, today, rules.get(row.partnership_id)))
        for row in found[:SHOWN]
        if (row.owner_type, row.owner_id) in owners
    ]
    return Section(rows, min(len(found), COUNT_CAP), len(found) > COUNT_CAP)


# --- Deadlines met on time this year ---------------------------------------------------------


def year_start(today: date) -> date:
    """1 April of the reporting year `today` falls in (the child death review partners' and
    safeguarding partners' reporting year runs from 1 April to 31 March)."""
    start = date(today.year, 4, 1)
    return start if today >= start else date(today.year - 1, 4, 1)


def met_on_time(user, today: date) -> list[MetOnTime]:
    """Per partnership of the user, of the deadlines of the domains they see that fell due
    from 1 April to yesterday, how many were met on time (one query); empty when the user
    sees no deadlines.

    Each partnership's latest MET_CAP deadlines due in that time are read (any domain's, in
    the order of the partnership's due-date index, so the cost is the same at any size) and
    the user's domains' counted among them."""
    owner_types = visible_owner_types(user)
    if not owner_types or not user.partnership_ids:
        return []
    statement = _reused(("met", tuple(owner_types), tuple(sorted(user.partnership_ids))),
                        lambda: _met_statement(owner_types, sorted(user.partnership_ids)))
    counted = db.session.execute(statement, {"start": year_start(today),
                                             "yesterday": today - timedelta(days=1)}).all()
    return [MetOnTime(pid, int(met or 0), int(due or 0), total >= MET_CAP)
            for pid, total, due, met in counted if due]


def _met_statement(owner_types, partnership_ids):
    """(partnership, deadlines read, due, met on time) per partnership, :start to :yesterday."""
    start = sa.bindparam("start", type_=sa.Date())
    yesterday = sa.bindparam("yesterday", type_=sa.Date())
    effective = sa.func.coalesce(Deadline.extended_to, Deadline.due_date)
    visible = Deadline.owner_type.in_(owner_types)
    on_time = sa.and_(visible, Deadline.met_on.is_not(None), Deadline.met_on <= effective)
    latest = [
        sa.select(Deadline.partnership_id,
                  sa.case((visible, 1), else_=0).label("due"),
                  sa.case((on_time, 1), else_=0).label("on_time"))
        .where(Deadline.partnership_id == pid, Deadline.due_date.between(start, yesterday),
               effective <= yesterday, Deadline.not_applicable_reason.is_(None),
               Deadline.rule_key.not_in(deadline_service.NOT_THE_PARTNERSHIPS),
               # Paused and still open: neither met nor missed.
               sa.or_(Deadline.paused_reason.is_(None), Deadline.met_on.is_not(None)))
        .order_by(Deadline.due_date.desc(), Deadline.id.desc())
        .limit(MET_CAP)
        .subquery()
        for pid in partnership_ids
    ]
    # Each part is wrapped in a select(): SQLite takes no LIMIT on a bare member of a UNION.
    read = sa.union_all(*(sa.select(part) for part in latest)).subquery()
    return (sa.select(read.c.partnership_id, sa.func.count(), sa.func.sum(read.c.due),
                      sa.func.sum(read.c.on_time)).group_by(read.c.partnership_id))
