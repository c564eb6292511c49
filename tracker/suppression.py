"""Small-number suppression, so no child can be recognised from published counts.

A count of 1 or 2 is shown as "fewer than 3" (primary suppression); 0 and 3 or more are
shown. A breakdown whose total is shown would let a reader work a lone suppressed count out
(total minus the others), so other cells are hidden as well (secondary suppression), the
smallest non-zero ones first, until every suppressed count could be either 1 or 2 for all a
reader knows: that the primary cells hold 1 or 2 each, the hidden ones 3 or more, and the
total. If no choice of cells achieves that, every cell of the breakdown is hidden, zeros
included, under one label.

The exact count of a suppressed cell never leaves this module: a `Figure` holds the value
only when it is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

THRESHOLD = 3
FEWER_THAN = "fewer than 3"
HIDDEN = "hidden"
HIDDEN_NOTE = ("“hidden”: not shown so that a figure of fewer than 3 cannot be worked out "
               "from the total")


class Figure(NamedTuple):
    """A count as it may be shown: the value (None when suppressed) and its text."""

    value: int | None
    text: str

    @property
    def suppressed(self) -> bool:
        """Whether the count is withheld (fewer than 3, or hidden)."""
        return self.value is None


def _primary(count: int) -> bool:
    return 0 < count < THRESHOLD


def figure(count: int) -> Figure:
    """A single count (a total, say): shown unless it is 1 or 2."""
    return Figure(None, FEWER_THAN) if _primary(count) else Figure(count, f"{count:,}")


def _both_possible(primaries: int, hidden: int, suppressed_sum: int) -> bool:
    """Whether a primary cell could hold 1 and could hold 2, given the suppressed cells'
    sum, the other primaries each holding 1 or 2 and the hidden cells 3 or more each."""
    def possible(value):
        rest = suppressed_sum - value
        least = (primaries - 1) + THRESHOLD * hidden
        most = float("inf") if hidden else 2 * (primaries - 1)
        return least <= rest <= most
    return possible(1) and possible(2)


def _hidden_cells(counts: Sequence[int]) -> set[int] | None:
    """Indexes of the cells to hide besides the primary ones (None: hide every cell)."""
    primary = [i for i, count in enumerate(counts) if _primary(count)]
    if not primary or _primary(sum(counts)):
        return set()
    candidates = sorted((count, i) for i, count in enumerate(counts)
                        if count >= THRESHOLD)
    hidden: set[int] = set()
    suppressed_sum = sum(counts[i] for i in primary)
    while not _both_possible(len(primary), len(hidden), suppressed_sum):
        if not candidates:
            return None
        count, index = candidates.pop(0)
        hidden.add(index)
        suppressed_sum += count
    return hidden


def breakdown(counts: Sequence[int]) -> tuple[list[Figure], Figure]:
    """(each cell's figure, the total's figure) for counts that add up to the total."""
    hidden = _hidden_cells(counts)
    cells = []
    for index, count in enumerate(counts):
        if hidden is None:
            # One label for every cell, zeros too: which cells are small must not show.
            cells.append(Figure(None, HIDDEN))
        elif hidden and index in hidden:
            cells.append(Figure(None, HIDDEN))
        else:
            cells.append(figure(count))
    return cells, figure(sum(counts))
