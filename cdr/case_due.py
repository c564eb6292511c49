"""A case's open deadlines in four figures kept on the case by the database: what My cases
and the overdue filter ask, read in order from an index on `cdr_case` instead of joining
every open case to its deadlines.

- `next_due`: the earliest (extended) due date of its open deadlines (My cases' order);
- `next_unpaused_due`: the same of the unpaused ones (My cases' "overdue or due soon");
- `meeting_open`: whether a rapid response meeting's deadline is open (My cases);
  these three over its own deadlines (`item` ''), as my_cases reads them;
- `overdue_from`: the earliest date past which one of its open, unpaused deadlines (of any
  item) is overdue (tracker.kept_due.OVERDUE_FROM), so the case is overdue when
  `overdue_from < today`.

Kept by triggers on `deadline` made by tracker.kept_due (how, and the order and locks of the
triggers, are described there); made with the tables, and for an existing database by
migrations 0024 and 0030 with frozen copies of the statements (a change here needs a new
migration); `recount()` recounts every case.
"""

from __future__ import annotations

import sqlalchemy as sa

from tracker import kept_due
from tracker.extensions import db

OWNER = "cdr_case"
# cdr.services.meetings.rule_key(1..3), written out because a trigger's SQL is frozen.
MEETINGS = ("rr_meeting_1", "rr_meeting_2", "rr_meeting_3")
_OWN = "{deadlines} AND d.item = ''"

KEPT = kept_due.keep(kept_due.KeptDue(OWNER, (
    ("next_due", f"(SELECT min({kept_due.DUE}) {_OWN})"),
    ("next_unpaused_due", f"(SELECT min({kept_due.DUE}) {_OWN} AND d.paused_reason IS NULL)"),
    ("meeting_open",
     f"EXISTS (SELECT 1 {_OWN} AND d.rule_key IN ({kept_due.listed(MEETINGS)}))"),
    ("overdue_from", kept_due.OVERDUE_FROM),
)))
COLUMNS = KEPT.columns


def trigger_ddl(dialect: str) -> list[str]:
    """The statements that create the triggers keeping the figures (one database's SQL)."""
    return KEPT.trigger_ddl(dialect)


def drop_ddl(dialect: str) -> list[str]:
    """The statements that drop the triggers."""
    return KEPT.drop_ddl(dialect)


def recount_sql() -> str:
    """SQL (both databases): every case's figures recounted from its deadlines."""
    return KEPT.recount_sql()


def recount() -> None:
    """Recount every case's figures (no commit)."""
    db.session.execute(sa.text(recount_sql()))
