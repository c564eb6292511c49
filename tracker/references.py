"""Readable references, issued from a counter per partnership, series and year.

A child death case is CDOP-NSP-2026-0042 and a serious incident CSPR-NSP-2026-0042: the
series, the partnership's code, the year and a running number. The number is never worked
out from the references already stored (one odd reference made that fail for every
partnership); it is taken from `reference_counter` with one atomic statement, an UPDATE …
RETURNING, or for the first number of a year an INSERT … ON CONFLICT DO UPDATE … RETURNING.
The counter row stays locked until the transaction ends, so two saves of one partnership and
year take turns and never get the same number, and a save rolled back gives its number back.

A reference is "the partnership's own" only when it is exactly what the counter would issue
(`own_number`); an imported one that is moves the counter past it (`move_past`).
"""

from __future__ import annotations

import re

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects import postgresql, sqlite

from tracker.extensions import db

MAX_LENGTH = 40
# SERIES-CODE-YEAR-…: the shape of a reference issued by some partnership.
_ISSUED_SHAPE = re.compile(r"([A-Z]+)-([A-Z0-9]+)-([0-9]{4})-", re.IGNORECASE)


class ReferenceCounter(db.Model):
    """The last number issued in one series (CDOP, CSPR) for one partnership and year."""

    __tablename__ = "reference_counter"

    partnership_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("partnership.id", ondelete="CASCADE"), primary_key=True)
    series: so.Mapped[str] = so.mapped_column(sa.String(8), primary_key=True)
    year: so.Mapped[int] = so.mapped_column(primary_key=True)
    last_number: so.Mapped[int]


def prefix(series: str, code: str, year: int) -> str:
    """Such as 'CDOP-NSP-2026-'."""
    return f"{series}-{code}-{year}-"


def issue(model, series: str, partnership, year: int) -> str:
    """The partnership's next reference in `series` for `year` (no commit); `model` is the
    one whose `reference` column holds the series."""
    number = take(model, series, partnership, year)
    return f"{prefix(series, partnership.code, year)}{number:04d}"


def take(model, series: str, partnership, year: int) -> int:
    """The next number, counted atomically (the row stays locked until commit)."""
    return _bump(model, series, partnership, year, lambda last: last + 1,
                 lambda seed: seed + 1)


def move_past(model, series: str, partnership, year: int, number: int) -> None:
    """Make sure the counter never issues `number` or below (a reference kept on import)."""
    _bump(model, series, partnership, year,
          lambda last: sa.case((last < number, number), else_=last),
          lambda seed: max(seed, number))


def _bump(model, series, partnership, year, change, first) -> int:
    """UPDATE … RETURNING the counter row; when there is none yet, INSERT it from the
    references already stored, ON CONFLICT (someone made it meanwhile) updating it."""
    table = ReferenceCounter.__table__
    number = _execute(
        table.update().where(table.c.partnership_id == partnership.id,
                             table.c.series == series, table.c.year == year)
        .values(last_number=change(table.c.last_number))
        .returning(table.c.last_number))
    if number is not None:
        return number
    seed = highest_issued(model, series, partnership, year)
    return _upsert(partnership.id, series, year, first(seed), change(table.c.last_number))


def _upsert(partnership_id, series, year, first, on_conflict) -> int:
    table = ReferenceCounter.__table__
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    statement = insert.values(partnership_id=partnership_id, series=series, year=year,
                              last_number=first).on_conflict_do_update(
        index_elements=[table.c.partnership_id, table.c.series, table.c.year],
        set_={"last_number": on_conflict}).returning(table.c.last_number)
    return _execute(statement)


def _execute(statement):
    """One counter statement's number; never flushes the records being built."""
    with db.session.no_autoflush:
        return db.session.execute(statement).scalar()


def highest_issued(model, series: str, partnership, year: int) -> int:
    """The highest number among stored references the counter would have issued: read only
    when a counter row is first made (a year with none yet), so that references stored
    before the counter existed (or written straight into the database) are never issued
    again. Only exact matches of the partnership's own form count; anything else is
    ignored, never cast."""
    wanted = prefix(series, partnership.code, year)
    with db.session.no_autoflush:
        stored = db.session.scalars(sa.select(model.reference).where(
            model.reference.startswith(wanted, autoescape=True))).all()
    numbers = [own_number(reference, series, partnership.code) for reference in stored]
    return max((found[1] for found in numbers if found and found[0] == year), default=0)


def own_number(reference: str | None, series: str, code: str) -> tuple[int, int] | None:
    """(year, number) when `reference` is exactly one the partnership would issue, such as
    CDOP-NSP-2026-0042 (any case); else None."""
    if not reference:
        return None
    found = re.fullmatch(re.escape(f"{series}-{code}-") + r"([0-9]{4})-([0-9]{4,6})",
                         reference, re.IGNORECASE)
    if found is None:
        return None
    year, digits = int(found[1]), found[2]
    number = int(digits)
    return (year, number) if number > 0 and digits == f"{number:04d}" else None


def foreign_prefix(reference: str | None, series: str, code: str) -> bool:
    """Whether `reference` starts like one issued by another partnership in this series
    (SERIES-OTHERCODE-YEAR-…). Decided from the text alone: no other partnership is looked
    up, so the answer reveals nothing about which exist."""
    found = _ISSUED_SHAPE.match(reference or "")
    return bool(found and found[1].upper() == series and found[2].upper() != code.upper())


def kept_or_issued(model, series: str, partnership, year: int,
                   given: str | None) -> tuple[str, str | None]:
    """(reference, previous reference) of an imported record: a given reference of the
    partnership's own form is kept (in capitals) and the counter moved past it; any other is
    kept as the previous reference beside a newly issued one."""
    found = own_number(given, series, partnership.code)
    if found is None:
        return issue(model, series, partnership, year), given or None
    move_past(model, series, partnership, *found)
    return given.upper(), None


def import_problem(reference: str | None, series: str, partnership, identifies) -> str | None:
    """Why an imported reference cannot be kept (None: it can): another partnership's
    prefix, or the child's name, NHS number or postcode (`identifies(text)` tells)."""
    if not reference:
        return None
    if foreign_prefix(reference, series, partnership.code):
        return (f"Reference must not start with another partnership's prefix: give one "
                f"starting {series}-{partnership.code}-, or leave it empty for a new one")
    if identifies(reference):
        return "Reference must not include the child's name, NHS number or postcode"
    return None
