"""Factories for practice review test data."""

import itertools
from datetime import date

from reviews.models import IncidentChild, SeriousIncident
from tracker import deadline_service
from tracker.extensions import db

_numbers = itertools.count(1)


def make_incident(partnership, *, child_name=None, **fields) -> SeriousIncident:
    """A saved serious incident, deadlines synced; with a real name only when given."""
    n = next(_numbers)
    values = {
        "partnership_id": partnership.id,
        "reference": f"CSPR-{partnership.code}-2024-{n:04d}",
        "child_reference": f"Child {chr(ord('A') + n % 26)}",
        "incident_date": date(2024, 12, 20),
        "la_aware_on": date(2024, 12, 23),
        "location": "in_area",
        **fields,
    }
    # A national review decided by the Panel on the decision's date unless its own is given.
    if values.get("decision") == "national":
        values.setdefault("panel_decision_on", values.get("decision_on"))
    incident = SeriousIncident(**values)
    db.session.add(incident)
    db.session.flush()
    if child_name:
        db.session.add(IncidentChild(incident_id=incident.id, partnership_id=partnership.id,
                                     full_name=child_name))
    deadline_service.sync_case(incident)
    db.session.commit()
    return incident
