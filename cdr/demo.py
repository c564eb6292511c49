"""Demo child death cases at every stage: plainly invented children, nobody real.

Names are "Demo Child 12"; NHS numbers come from the range the NHS reserves for testing
(999 000 0000 to 999 999 9999) with a valid check digit. Rows go in with bulk Core inserts
(no ORM objects, no audit rows), so 100,000 cases seed in seconds.

This module inserts a case and what hangs off it; what a case row holds (its stage, dates,
outcome and national-form answers) is in cdr.demo_cases, its agencies and information
requests in cdr.demo_agencies.
"""

from datetime import timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from cdr.deadlines import AGENCY_REQUEST_DEADLINES, CHILD_DEATH_DEADLINES
from cdr.demo_agencies import information_requests, insert_involved_agencies, reporting_forms
from cdr.demo_cases import demo_nhs_number, fake_death, national_form_fields
from cdr.models import (
    AgencyRequest,
    CaseAction,
    CaseNotification,
    ChildDeathCase,
    ChildIdentity,
    PanelItem,
    PanelMeeting,
    RapidResponseMeeting,
)
from tracker.deadline_models import Deadline
from tracker.deadline_service import Dates, load_rules, wanted_deadlines
from tracker.demo import insert_rows
from tracker.extensions import db
from tracker.models import User, user_partnership
from tracker.roles import Role
from tracker.timeline import TimelineEntry

SOURCES = ("practitioner", "registrar", "coroner", "other")
PANEL_ITEMS = 8  # cases on each demo panel meeting's agenda


def seed(rng, partnerships, numbers, today):
    """Insert one synthetic case per number, across the partnerships in turn, with its records."""
    ids = [p.id for p in partnerships]
    doctors = _first_user(ids, Role.DESIGNATED_DOCTOR)
    cases = [
        fake_death(rng, partnerships[i % len(partnerships)], n, today,
                    doctors.get(partnerships[i % len(partnerships)].id))
        for i, n in enumerate(numbers)
    ]
    if not cases:
        return 0
    # The partnership's CDOP administrator owns the demo cases, so reminders go to someone.
    owners = _first_user(ids, Role.CDOP_ADMIN)
    for case in cases:
        case["owner_id"] = owners.get(case["partnership_id"])
    for case, n in zip(cases, numbers, strict=True):
        case.update(national_form_fields(case, n, today))
    _insert_with_ids(ChildDeathCase.__table__, cases)
    meetings, requests = _insert_children(rng, cases, numbers, today)
    insert_involved_agencies(cases, requests, numbers)
    _insert_panel_meetings(cases, today)
    _insert_deadlines(cases, meetings, requests)
    _public_notification(partnerships[0], today)
    return len(cases)


def _public_notification(partnership, today):
    """The first demo partnership takes public notifications and has one waiting for
    triage (once, however many times seeding runs). All of it is invented."""
    from datetime import datetime, time, timedelta

    from cdr.models.public import SERIES, SUBMITTED, PublicNotification
    from tracker import references

    if db.session.scalar(sa.select(PublicNotification.id).limit(1)) is not None:
        return
    partnership.takes_public_notifications = True
    died = today - timedelta(days=2)
    born = died.replace(year=died.year - 3)
    answers = {
        "given_names": ["Demoname"], "family_name": ["Invented"],
        "date_of_birth": [str(born.day), str(born.month), str(born.year)],
        "sex": ["female"], "nhs_number_absent": ["not_available"],
        "la_of_residence": ["Northshire"],
        "date_of_death": [str(died.day), str(died.month), str(died.year)],
        "birth_outcome": ["no"], "place_of_death": ["hospital"],
        "death_expected": ["no"], "jar_criteria": ["jar_sudden_unexplained"],
        "circumstances": ["Invented for the demo: collapsed at nursery"],
        "agency_1_name": ["Demo Nursery"], "agency_1_kind": ["school"],
    }
    row = PublicNotification(
        partnership_id=partnership.id, status=SUBMITTED, answers=answers,
        notifier_name="Dr Demo Practitioner", notifier_role="GP",
        notifier_organisation="Demo Surgery", notifier_email="demo.gp@example.nhs.uk",
        submitted_at=datetime.combine(today, time(9, 30)))
    row.reference = references.issue(PublicNotification, SERIES, partnership, today.year)
    db.session.add(row)
    db.session.flush()


def count():
    """How many cases there are."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(ChildDeathCase)) or 0


def _first_user(partnership_ids, role):
    """Partnership id -> its first active user with a role (one query), for the demo cases."""
    rows = db.session.execute(
        sa.select(user_partnership.c.partnership_id, User.id)
        .join(User, User.id == user_partnership.c.user_id)
        .where(User.role == role.value, User.active.is_(True),
               user_partnership.c.partnership_id.in_(partnership_ids))
        .order_by(User.id.desc())
    )
    return dict(rows.all())


def _insert_with_ids(table, rows):
    """Bulk insert with ids given here (a plain executemany: fast), and set each row's id."""
    first = (db.session.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1
    for offset, row in enumerate(rows):
        row["id"] = first + offset
    insert_rows(table, rows)
    if db.engine.dialect.name == "postgresql":
        # Ids given explicitly leave the sequence behind: move it past them.
        db.session.execute(sa.select(sa.func.setval(
            sa.func.pg_get_serial_sequence(table.name, "id"),
            sa.select(sa.func.max(table.c.id)).scalar_subquery(),
        )))


def _insert_deadlines(cases, meetings, requests):
    """The stored deadlines of the new cases and requests, as deadline_bulk would make them.

    Computed here rather than by a rebuild so that a held rapid response meeting meets its
    deadline (the meetings page records that, not a case column); the shell's rebuild after
    seeding then finds them all up to date.
    """
    dates = Dates(load_rules())
    held = {(m["case_id"], f"rr_meeting_{m['number']}"): m["meeting_on"]
            for m in meetings if m["held"]}
    rows = []
    for mapping, owners in ((CHILD_DEATH_DEADLINES, cases), (AGENCY_REQUEST_DEADLINES, requests)):
        for owner in owners:
            # Columns the demo leaves empty (no post-mortem, say) read as empty.
            record = SimpleNamespace(**{**dict.fromkeys(mapping.columns), **owner})
            for key, values in wanted_deadlines(record, mapping, dates).items():
                values.setdefault("met_on", held.get((owner["id"], key)))
                rows.append({"not_applicable_reason": None, **values, "rule_key": key,
                             "item": "",
                             "owner_type": mapping.owner_type, "owner_id": owner["id"]})
    insert_rows(Deadline.__table__, rows)


def _insert_children(rng, cases, numbers, today):
    """Identity, notification and timeline of each case; meetings, requests and actions."""
    identities, notifications, timeline, meetings, requests, actions = [], [], [], [], [], []
    for case, n in zip(cases, numbers, strict=True):
        scope = {"case_id": case["id"], "partnership_id": case["partnership_id"]}
        born = case["date_of_death"] - timedelta(days=case["age_at_death_days"])
        identities.append({
            **scope, "given_names": "Demo", "family_name": f"Child {n}",
            "name_search": f"demo child {n}", "family_search": f"child {n} demo",
            "date_of_birth": born,
            "nhs_number": demo_nhs_number(n), "address": f"{n} Invented Road, Demotown",
            "postcode": "ZZ99 3AA",
        })
        source = rng.choice(SOURCES)
        notifications.append({
            **scope, "received_on": case["notification_received_on"], "source": source,
            "notifier_name": "Demo Notifier", "notifier_role": "Demo role",
            "notifier_agency": "Demo agency", "notifier_contact": "demo.notifier@example.org",
            "circumstances": "Invented circumstances for demonstration.", "further": False,
        })
        timeline.append(_entry(case, "notification", f"Death notified ({source})",
                               case["notification_received_on"]))
        meetings += _meetings(case, today)
        requests += reporting_forms(information_requests(rng, case, today), case, n)
        if case["stage"] == "closed" and rng.random() < 0.25:
            actions.append({**scope, "description": "Share the invented learning with GPs",
                            "owner": "Demo designated doctor",
                            "due_on": case["closed_on"] + timedelta(days=60),
                            "completed_on": case["closed_on"] if n % 3 else None})
    insert_rows(ChildIdentity.__table__, identities)
    insert_rows(CaseNotification.__table__, notifications)
    insert_rows(TimelineEntry.__table__, timeline)
    insert_rows(RapidResponseMeeting.__table__, meetings)
    _insert_with_ids(AgencyRequest.__table__, requests)
    insert_rows(CaseAction.__table__, actions)
    return meetings, requests


def _entry(case, kind, text, happened_on):
    """A timeline row of a case."""
    return {"owner_type": "cdr_case", "owner_id": case["id"],
            "partnership_id": case["partnership_id"], "kind": kind, "text": text,
            "happened_on": happened_on, "user_id": None}


def _meetings(case, today):
    """Rapid response meetings of a JAR case: held once their day has passed."""
    if not case["jar_required"]:
        return []
    days = {1: 2, 2: 6}
    if case["post_mortem_results_on"]:
        days[3] = (case["post_mortem_results_on"] - case["date_of_death"]).days + 10
    rows = []
    for number, after in days.items():
        on = case["date_of_death"] + timedelta(days=after)
        rows.append({
            "case_id": case["id"], "partnership_id": case["partnership_id"],
            "number": number, "meeting_on": on, "starts_at": None,
            "place_or_link": "Demo hospital, meeting room 2", "chair": "Demo Designated Doctor",
            "attendees": "Designated doctor; police; children's social care",
            "agencies": "Health; police; social care", "actions": None, "notes": None,
            "outside_window_reason": None, "held": on < today,
        })
    return rows


def _insert_panel_meetings(cases, today):
    """Per partnership: a panel meeting soon with cases ready for panel on its agenda."""
    ready: dict[int, list[int]] = {}
    for case in cases:
        if case["stage"] == "panel":
            ready.setdefault(case["partnership_id"], []).append(case["id"])
    meetings = [{"partnership_id": pid, "meeting_on": today + timedelta(days=10),
                 "starts_at": None, "place_or_link": "Demo council offices, room 1",
                 "notes": None} for pid in sorted(ready)]
    if not meetings:
        return
    _insert_with_ids(PanelMeeting.__table__, meetings)
    items = [
        {"meeting_id": meeting["id"], "case_id": case_id,
         "partnership_id": meeting["partnership_id"], "position": position}
        for meeting in meetings
        for position, case_id in enumerate(ready[meeting["partnership_id"]][:PANEL_ITEMS], 1)
    ]
    insert_rows(PanelItem.__table__, items)


# --- Last session's national-form fields (issue 24), chosen by the case's running number,
# never by the random generator, so the rest of the seed is what it was ---------------------


def send_agency_link(_today):
    """A case with an agency link: the oldest open request of the first partnership sent to
    the first contact of its agency directory, so its e-mail lands in the local mail folder
    (`make run`'s mail sink)."""
    from cdr.services import request_links
    from tracker.agencies import AgencyContact

    request = db.session.scalar(sa.select(AgencyRequest).where(
        AgencyRequest.returned_on.is_(None)).order_by(AgencyRequest.partnership_id,
                                                      AgencyRequest.id).limit(1))
    if request is None:
        return
    contact = db.session.scalar(sa.select(AgencyContact).where(
        AgencyContact.partnership_id == request.partnership_id).order_by(AgencyContact.id))
    if contact is None:
        return
    case = db.session.get(ChildDeathCase, request.case_id)
    request_links.send(case, request, contact.id, None)
