"""Scoped lists of child death cases: the case list's filters, search, sort and pages.

`filtered_cases` is the scoped, filtered select() that the case list and exports share;
`case_list` turns it into one page with each case's next open deadline, in a fixed number of
queries whatever the number of cases (a capped count, then one query for the page).
"""

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import sqlalchemy as sa

from cdr.models import STAGES, ChildDeathCase, ChildIdentity, PanelItem, PanelMeeting
from tracker import audit, deadline_service, deadlines
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.models import User, user_partnership
from tracker.roles import Role

# Rows are counted only up to this many; past it the list says "more than".
COUNT_CAP = 10_000
# Far beyond any real list, and small enough that the OFFSET never overflows.
_MAX_PAGE = 1_000_000
SORTS = {"date_of_death": "Date of death", "reference": "Reference", "stage": "Stage"}
_SPACES = re.compile(r"\s+")
# The agenda filter's choices, as the list offers them.
AGENDA_FILTERS = {"none": "On no CDOP meeting agenda",
                  "heard": "Heard at a CDOP meeting, outcome not recorded"}
# A case reference such as CDOP-NSP-2026-0042 (no name has this shape).
_REFERENCE = re.compile(r"[A-Za-z]+-[A-Za-z0-9]+-[0-9]{4}-[0-9]+")


@dataclass(frozen=True)
class CaseFilters:
    """What the user asked the list for; empty values filter nothing."""

    search: str = ""
    stage: str | None = None
    overdue: bool = False
    jar: bool | None = None
    # A user id, or "none" for cases with no designated doctor yet.
    doctor: int | str | None = None
    died_from: date | None = None
    died_to: date | None = None
    # A CDOP meeting agenda: "none" (on no agenda), "heard" (heard at a past meeting, still
    # open: its outcome to record); see AGENDA_FILTERS.
    agenda: str | None = None
    sort: str = "date_of_death"
    descending: bool = True
    # Whether the user may see identifying details: only then are names shown and searched,
    # and NHS numbers searched. Others search by reference only.
    with_identity: bool = False


class NextDeadline(NamedTuple):
    """A case's soonest open deadline."""

    label: str
    due: date
    status: deadlines.DeadlineStatus


class CaseRow(NamedTuple):
    """One case as the list shows it."""

    id: int
    reference: str
    date_of_death: date
    stage: str
    stage_label: str
    jar_required: bool
    child_name: str | None
    next_deadline: NextDeadline | None


class CaseList(NamedTuple):
    """One page of the list."""

    rows: list[CaseRow]
    total: int
    capped: bool
    page: int
    pages: int
    per_page: int


def filtered_cases(filters: CaseFilters, partnership_ids, today: date):
    """A select() of the cases of these partnerships that match the filters (unordered)."""
    ids = list(partnership_ids)
    case = ChildDeathCase
    conditions = [case.partnership_id.in_(ids)]
    if filters.stage:
        conditions.append(case.stage == filters.stage)
    if filters.jar is not None:
        conditions.append(case.jar_required.is_(filters.jar))
    if filters.doctor == "none":
        conditions.append(case.designated_doctor_id.is_(None))
    elif filters.doctor is not None:
        conditions.append(case.designated_doctor_id == int(filters.doctor))
    if filters.died_from:
        conditions.append(case.date_of_death >= filters.died_from)
    if filters.died_to:
        conditions.append(case.date_of_death <= filters.died_to)
    if filters.overdue:
        conditions.append(_has_overdue_deadline(today, ids))
    if filters.agenda in AGENDA_FILTERS:
        conditions.append(_agenda(filters.agenda, today))
    query = sa.select(case)
    if filters.search:
        # Joined, not a filter: the database then reads the few cases found, whereas as a filter
        # SQLite (which has no statistics) reads the partnership's every case in list order.
        found = _search(filters.search, filters.with_identity).subquery("found")
        query = query.join(found, found.c.id == case.id)
    return query.where(*conditions)


def _agenda(choice: str, today: date):
    """Cases on no CDOP meeting's agenda ("none"), or heard at a meeting already held and
    still open ("heard"), as the home page counts them."""
    case = ChildDeathCase
    if choice == "none":
        return ~sa.exists().where(PanelItem.of_its_case(case))
    return sa.and_(case.closed_on.is_(None), sa.exists().where(
        PanelItem.of_its_case(case), PanelMeeting.id == PanelItem.meeting_id,
        PanelMeeting.meeting_on < today))


def is_reference(text: str) -> bool:
    """Whether a search text is shaped like a case reference (it may then stay in a URL)."""
    return bool(_REFERENCE.fullmatch(text.strip()))


def case_list(filters: CaseFilters, user_partnership_ids, page: int, today: date,
              per_page: int = 50) -> CaseList:
    """The page of matching cases the user asked for (one that exists), with the count."""
    ids = sorted(user_partnership_ids)
    query = filtered_cases(filters, ids, today)
    counted = db.session.scalar(sa.select(sa.func.count()).select_from(
        query.with_only_columns(ChildDeathCase.id).limit(COUNT_CAP + 1).subquery()))
    capped = counted > COUNT_CAP
    total = COUNT_CAP if capped else counted
    pages = max(math.ceil(total / per_page), 1)
    page = min(max(page, 1), pages, _MAX_PAGE)
    rules = deadline_service.load_rules(ids)
    rows = _page_rows(query, filters, (page - 1) * per_page, per_page, rules, today)
    return CaseList(rows, total, capped, page, pages, per_page)


def _name_starts_with(term):
    """Names whose given or family name starts with the term (an indexed range on each).

    "ann" finds Annabel Smith and Ann-Marie Jones, "smi" finds Smith, "ann smi" Ann Smith and
    "smith a" Smith, Ann. A range rather than LIKE so that both databases use the index.
    """
    upper = term[:-1] + chr(ord(term[-1]) + 1)
    return sa.or_(
        sa.and_(ChildIdentity.name_search >= term, ChildIdentity.name_search < upper),
        sa.and_(ChildIdentity.family_search >= term, ChildIdentity.family_search < upper),
    )


def _search(text, with_identity):
    """The ids of the cases whose reference (or previous reference) is the text; with
    identity, also of those whose NHS number it is or whose name starts with it (any
    partnership's: the caller scopes).

    The ids come from one indexed lookup each (a UNION), so the list reads only the cases
    found, never the whole table. The reference and the previous reference too: as one
    select with an OR, SQLite (no statistics) joins it into the list's query and reads the
    partnership's every case, testing the OR on each.
    """
    typed = text.strip()
    by_reference = (
        sa.select(ChildDeathCase.id).where(ChildDeathCase.reference == typed.upper()),
        sa.select(ChildDeathCase.id).where(
            ChildDeathCase.previous_reference.in_({typed, typed.upper()})))
    digits = _SPACES.sub("", text)
    if not with_identity or _REFERENCE.fullmatch(text.strip()):
        return sa.union(*by_reference)
    if digits.isdigit():
        match = ChildIdentity.nhs_number == digits
    else:
        match = _name_starts_with(" ".join(text.lower().split()))
    # No partnership here: it is checked on the case, and here it would lead SQLite (no
    # statistics) to read every identity of the partnership rather than use the name or NHS
    # number index.
    children = sa.select(ChildIdentity.case_id).where(match)
    return sa.union(*by_reference, children)


def _open_deadlines_of(case_id):
    """A where-clause for a case's own open deadlines that have a due date."""
    return sa.and_(Deadline.owner_type == "cdr_case", Deadline.owner_id == case_id,
                   deadline_service.open_deadlines(), Deadline.due_date.is_not(None))


def _has_overdue_deadline(today, partnership_ids):
    """The case has an open, unpaused deadline whose (extended) due date has passed.

    Read from the figure the database keeps on each case (cdr.case_due.overdue_from), held
    by the list's indexes: each filter's index is read in page order to the page, and
    counted, without reading a deadline (matching the cases against every overdue deadline
    of the partnership read 7,000 of them at 100,000 cases, twice).
    """
    return ChildDeathCase.overdue_from < today


def _order(columns, sort, descending):
    """ORDER BY for the chosen sort, ending in the id so pages never overlap."""
    if sort == "reference":
        keys = [columns.reference]
    elif sort == "stage":
        stage_order = sa.case({key: n for n, key in enumerate(STAGES)}, value=columns.stage,
                              else_=len(STAGES))
        keys = [stage_order, columns.date_of_death]
    else:
        keys = [columns.date_of_death]
    keys.append(columns.id)
    return [key.desc() if descending else key.asc() for key in keys]


def _sort_columns(sort):
    """The case columns a sort orders by (the id last)."""
    case = ChildDeathCase
    named = {"reference": [case.reference], "stage": [case.stage, case.date_of_death]}
    return [*named.get(sort, [case.date_of_death]), case.id]


def _page_rows(query, filters, offset, limit, rules, today) -> list[CaseRow]:
    """One query: the page of cases, each with its next open deadline and (maybe) the name.

    The page is chosen from the sort's columns alone, and only its cases are read after:
    with the shown columns in the subquery PostgreSQL read every matching case (a doctor's
    10,000 at 100,000 cases) to sort them, where the ids and dates come from an index
    (ix_cdr_case_partnership_jar, ix_cdr_case_partnership_doctor) and SQLite walks that
    index in page order without reading a case it does not show.
    """
    sort = filters.sort if filters.sort in SORTS else "date_of_death"
    case = ChildDeathCase
    chosen = (
        query.with_only_columns(*_sort_columns(sort))
        .order_by(*_order(case, sort, filters.descending))
        .limit(limit).offset(offset)
        .subquery("chosen")
    )
    page = (
        sa.select(case.id, case.reference, case.date_of_death, case.stage, case.jar_required,
                  case.partnership_id)
        .join(chosen, chosen.c.id == case.id)
        .subquery("page")
    )
    next_id = (
        sa.select(Deadline.id)
        .where(_open_deadlines_of(page.c.id))
        .order_by(sa.func.coalesce(Deadline.extended_to, Deadline.due_date), Deadline.id)
        .limit(1)
        .correlate(page)
        .scalar_subquery()
    )
    statement = (sa.select(page, Deadline).select_from(page)
                 .outerjoin(Deadline, Deadline.id == next_id))
    if filters.with_identity:
        statement = statement.add_columns(ChildIdentity.given_names, ChildIdentity.family_name)
        statement = statement.outerjoin(ChildIdentity, ChildIdentity.case_id == page.c.id)
    statement = statement.order_by(*_order(page.c, sort, filters.descending))
    return [_row(found, rules, today, filters.with_identity)
            for found in db.session.execute(statement)]


def _row(found, rules, today, with_identity) -> CaseRow:
    """A result row as the list shows it."""
    deadline = found.Deadline
    upcoming = None
    if deadline is not None:
        upcoming = NextDeadline(
            deadlines.get_rule(deadline.rule_key, deadline.edition).label,
            deadline.extended_to or deadline.due_date,
            deadline_service.status_of(deadline, today, rules.get(found.partnership_id)),
        )
    name = None
    if with_identity and found.given_names is not None:
        name = f"{found.given_names} {found.family_name}".strip()
    return CaseRow(found.id, found.reference, found.date_of_death, found.stage,
                   STAGES.get(found.stage, found.stage), found.jar_required, name, upcoming)


def designated_doctors(partnership_ids) -> list[tuple[int, str]]:
    """(id, name) of the designated doctors of these partnerships, for the list's filter."""
    members = sa.select(user_partnership.c.user_id).where(
        user_partnership.c.partnership_id.in_(list(partnership_ids)))
    return db.session.execute(
        sa.select(User.id, User.full_name)
        .where(User.role == Role.DESIGNATED_DOCTOR.value, User.id.in_(members))
        .order_by(User.full_name, User.id)
    ).all()


def record_search(found: CaseList, partnership_ids) -> None:
    """A VIEW audit row per partnership searched: who searched and how many cases matched.

    Never the search text: it may be a child's name or NHS number.
    """
    matched = f"more than {found.total:,}" if found.capped else f"{found.total:,}"
    for partnership_id in sorted(partnership_ids) or [None]:
        audit.record(audit.Action.VIEW, object_type="ChildDeathCase search",
                     partnership_id=partnership_id,
                     detail=f"Searched child death cases: {matched} matched")
