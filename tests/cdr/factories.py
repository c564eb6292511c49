"""Factories for child death review test data: plainly invented children."""

import itertools
from datetime import date

from cdr.models import ChildDeathCase, ChildIdentity
from tracker import deadline_service
from tracker.extensions import db

_numbers = itertools.count(1)
# From the range the NHS reserves for testing (999 000 0000 to 999 999 9999), valid check digit.
TEST_NHS_NUMBERS = ("9990000018", "9990000026", "9990000034", "9990000042", "9990000050")


def make_case(partnership, *, identity=True, **fields) -> ChildDeathCase:
    """A saved case with (by default) its child's identity, deadlines synced."""
    n = next(_numbers)
    values = {
        "partnership_id": partnership.id,
        "reference": f"CDOP-{partnership.code}-2025-{n:04d}",
        "date_of_death": date(2025, 3, 1),
        "notification_received_on": date(2025, 3, 2),
        "sex": "female",
        "age_at_death_days": 400,
        "la_of_residence": "Northshire",
        **fields,
    }
    case = ChildDeathCase(**values)
    db.session.add(case)
    db.session.flush()
    if identity:
        given, family = f"Testchild{n}", "Invented"
        db.session.add(ChildIdentity(
            case_id=case.id, partnership_id=case.partnership_id, given_names=given,
            family_name=family, name_search=f"{given} {family}".lower(),
            date_of_birth=date(2024, 1, 26), nhs_number=TEST_NHS_NUMBERS[n % 5],
            address=f"{n} Imaginary Lane, Northtown", postcode="ZZ99 3AA",
        ))
    deadline_service.sync_case(case)
    db.session.commit()
    return case


def heard_at(case, meeting_on: date, **fields):
    """A CDOP meeting of the case's partnership on `meeting_on` with the case on its agenda
    (the meeting, saved)."""
    from cdr.models import PanelItem, PanelMeeting

    meeting = PanelMeeting(partnership_id=case.partnership_id, meeting_on=meeting_on, **fields)
    db.session.add(meeting)
    db.session.flush()
    db.session.add(PanelItem(meeting_id=meeting.id, case_id=case.id, position=1,
                             partnership_id=case.partnership_id))
    db.session.commit()
    return meeting
