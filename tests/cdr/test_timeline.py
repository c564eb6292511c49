"""The case timeline (issue 24): ordered by when things happened, then by when they were
recorded, each line with the day it was recorded when that was another day."""

from datetime import date, datetime

from cdr.services import timeline
from tests.cdr.factories import make_case
from tests.cdr.test_requests import timeline_lines
from tracker.extensions import db


def note(case, text, happened_on=None):
    timeline.add(case, "note", text, happened_on=happened_on)
    db.session.commit()


def test_the_timeline_is_in_the_order_things_happened_then_recorded(cdop_client, partnership,
                                                                    call, clock):
    clock.set(date(2025, 3, 5))
    case = make_case(partnership)
    note(case, "Recorded on the day it happened")
    clock.set(date(2025, 3, 10))
    note(case, "A meeting held on the 3rd", happened_on=date(2025, 3, 3))
    note(case, "A request sent on the 5th", happened_on=date(2025, 3, 5))
    note(case, "Recorded today")

    page = call(cdop_client, "cdr.case", case_id=case.id)

    notes = [line for line in timeline_lines(page) if "on the" in line or "today" in line
             or "day it happened" in line]
    assert notes == [
        "10 March 2025: Recorded today",
        "5 March 2025: A request sent on the 5th (recorded 10 March 2025)",
        "5 March 2025: Recorded on the day it happened",
        "3 March 2025: A meeting held on the 3rd (recorded 10 March 2025)",
    ]


def test_what_was_recorded_later_on_the_same_day_comes_first(partnership, clock):
    clock.set(datetime(2025, 3, 10, 9, 0))
    case = make_case(partnership)
    note(case, "Morning", happened_on=date(2025, 3, 4))
    clock.set(datetime(2025, 3, 10, 15, 0))
    note(case, "Afternoon", happened_on=date(2025, 3, 4))

    texts = [entry.text for entry in timeline.entries(case) if entry.kind == "note"]

    assert texts == ["Afternoon", "Morning"]


def test_a_line_recorded_late_in_the_evening_is_on_the_day_in_england(cdop_client,
                                                                      partnership, call,
                                                                      clock):
    # 23:30 UTC on 30 March 2025 is 00:30 on the 31st in London (summer time).
    clock.set(datetime(2025, 3, 30, 23, 30), ticking=False)
    case = make_case(partnership)
    note(case, "Recorded after midnight in England")
    note(case, "Happened that same day", happened_on=date(2025, 3, 31))
    clock.set(date(2025, 4, 1))

    page = call(cdop_client, "cdr.case", case_id=case.id)

    lines = timeline_lines(page)
    assert "31 March 2025: Happened that same day" in lines
    assert "31 March 2025: Recorded after midnight in England" in lines
