"""Small-number suppression: 1 and 2 never shown, 3 shown, and no suppressed count can be
worked out from the total and the other cells."""

import itertools

import pytest

from tracker.suppression import FEWER_THAN, HIDDEN, breakdown, figure


def texts(counts):
    cells, total = breakdown(counts)
    return [cell.text for cell in cells], total.text


@pytest.mark.parametrize(("count", "text"), [(0, "0"), (1, FEWER_THAN), (2, FEWER_THAN),
                                             (3, "3"), (1234, "1,234")])
def test_one_and_two_are_fewer_than_3_but_not_0_or_3(count, text):
    assert figure(count).text == text
    assert (figure(count).value is None) == (count in (1, 2))


def test_nothing_small_nothing_hidden():
    assert texts([0, 3, 4]) == (["0", "3", "4"], "7")


def test_a_lone_small_cell_hides_the_smallest_other_one():
    assert texts([1, 7, 5, 0]) == ([FEWER_THAN, "7", HIDDEN, "0"], "13")


def test_two_small_cells_that_could_be_either_way_need_nothing_more():
    # 3 = 1 + 2 or 2 + 1: neither can be told.
    assert texts([1, 2, 0, 9]) == ([FEWER_THAN, FEWER_THAN, "0", "9"], "12")


def test_two_small_cells_whose_sum_tells_them_hide_another():
    # 4 could only be 2 + 2.
    assert texts([2, 2, 5, 6]) == ([FEWER_THAN, FEWER_THAN, HIDDEN, "6"], "15")


def test_when_nothing_else_would_do_every_cell_is_hidden():
    # 1 and 3 hidden would still give 4 = 1 + 3 (a hidden cell holds 3 or more).
    assert texts([1, 3, 0]) == ([HIDDEN, HIDDEN, HIDDEN], "4")


def test_a_small_total_is_suppressed_too():
    assert texts([1, 1, 0]) == ([FEWER_THAN, FEWER_THAN, "0"], FEWER_THAN)


def _readings(shown, total):
    """Every set of counts consistent with what is shown, to a reader who knows the rules: a
    hidden cell beside shown ones holds 3 or more; when all are hidden, anything."""
    all_hidden = all(cell.text == HIDDEN for cell in shown)
    choices = []
    for cell in shown:
        if cell.text == FEWER_THAN:
            choices.append((1, 2))
        elif cell.text == HIDDEN:
            choices.append(range(0 if all_hidden else 3, total + 1))
        else:
            choices.append((cell.value,))
    return [combo for combo in itertools.product(*choices) if sum(combo) == total]


def test_no_small_count_can_be_worked_out_from_what_is_shown():
    """Every vector of 2 to 4 counts up to 7: each count of 1 or 2 stays uncertain."""
    for size in (2, 3, 4):
        for counts in itertools.product(range(8), repeat=size):
            cells, total = breakdown(counts)
            if total.value is None:
                continue  # every cell is 2 or less and the total itself is withheld
            readings = _readings(cells, total.value)
            assert counts in readings
            for index, count in enumerate(counts):
                if count in (1, 2):
                    assert len({reading[index] for reading in readings}) > 1, counts
