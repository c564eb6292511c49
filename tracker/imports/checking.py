"""Checking every row of an upload against its import's columns and rules.

Every problem is collected, as (row number, column header, message), so the preview lists
them all at once; nothing is saved while any remains.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from tracker.imports import cells
from tracker.imports.spec import ImportSpec
from tracker.imports.upload import Cell

FILE = "The file"  # the "column" of a problem with the file as a whole


class RowError(NamedTuple):
    """One problem: the spreadsheet row it is on (None: the file), its column, the message."""

    row: int | None
    column: str
    message: str


@dataclass
class Checked:
    """What an upload holds: the rows to import, each (row number, values), and problems."""

    rows: list[tuple[int, dict]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every row can be imported (and there is at least one)."""
        return not self.errors and bool(self.rows)


def check(spec: ImportSpec, rows: list[tuple[int, list[Cell]]], partnership_ids,
          today: date, partnership=None) -> Checked:
    """Every row's values and problems: cells, the domain's rules (with those of the
    `partnership` imported into), duplicates in the file and against records already held
    in `partnership_ids`."""
    checked = Checked()
    if not rows:
        checked.errors.append(RowError(None, FILE, "The selected file has no rows of cases"))
        return checked
    positions, header_errors = _headers(spec, rows[0][1])
    if header_errors:
        checked.errors.extend(header_errors)
        return checked
    for number, row_cells in rows[1:]:
        values, problems = _row(spec, positions, row_cells, today)
        if spec.partnership_problems is not None and partnership is not None:
            problems = {**spec.partnership_problems(values, partnership), **problems}
        checked.rows.append((number, values))
        _add(checked, spec, number, problems)
    if len(checked.rows) == 0:
        checked.errors.append(RowError(None, FILE, "The selected file has no rows of cases "
                                                   "under its headers"))
    _duplicates_in_file(spec, checked)
    if spec.held_in_chosen_partnership and partnership is not None:
        partnership_ids = [partnership.id]
    _already_held(spec, checked, partnership_ids)
    checked.errors.sort(key=lambda error: (error.row or 0, _order(spec, error.column)))
    return checked


def _headers(spec, header_cells) -> tuple[dict[str, int], list[RowError]]:
    """Column key -> position in the sheet, from the header row; problems with the headers."""
    by_header = {column.header.lower(): column for column in spec.columns}
    positions, errors = {}, []
    for index, cell in enumerate(header_cells):
        text = str(cell.value).strip() if cell.value is not None else ""
        if not text:
            continue
        column = by_header.get(text.lower())
        if column is None:
            errors.append(RowError(1, text[:100], "This column is not in the template: "
                                   "remove it, or correct its header"))
        elif column.key in positions:
            errors.append(RowError(1, column.header, "This column appears twice"))
        else:
            positions[column.key] = index
    for column in spec.columns:
        if column.required and column.key not in positions:
            errors.append(RowError(1, column.header, "This column is missing: add it with "
                                   "the header in the template"))
    return positions, errors


def _row(spec, positions, row_cells, today) -> tuple[dict, dict[str, str]]:
    """One row's values by column key, and {column key: message} for its problems."""
    values, problems = {}, {}
    for column in spec.columns:
        index = positions.get(column.key)
        cell = row_cells[index] if index is not None and index < len(row_cells) else None
        try:
            values[column.key] = cells.parse(column, cell)
        except cells.CellProblem as problem:
            values[column.key] = None
            problems[column.key] = str(problem)
    # The domain's rules see a cell that could not be read as empty; the cell's own problem
    # is the one reported for its column.
    return values, {**spec.row_problems(values, today), **problems}


def _add(checked, spec, number, problems):
    for key, message in problems.items():
        checked.errors.append(RowError(number, spec.column(key).header, message))


def _duplicates_in_file(spec, checked):
    """A row naming the same record as an earlier row of the file."""
    first_seen: dict = {}
    for number, values in checked.rows:
        for key_column, key in spec.duplicate_keys(values):
            earlier = first_seen.setdefault(key, number)
            if earlier != number:
                _add(checked, spec, number,
                     {key_column: f"This is the same as row {earlier} of the file"})
                break


def _already_held(spec, checked, partnership_ids):
    """Rows whose record is already held (the domain looks them all up at once)."""
    if not checked.rows:
        return
    clashes = spec.existing([values for _, values in checked.rows], partnership_ids)
    for index, problems in sorted(clashes.items()):
        _add(checked, spec, checked.rows[index][0], problems)


def _order(spec, header):
    headers = [column.header for column in spec.columns]
    return headers.index(header) if header in headers else -1
