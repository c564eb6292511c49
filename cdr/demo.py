"""Demo child death cases at every stage: plainly invented children, nobody real.

Names are "Demo Child 12"; NHS numbers come from the range the NHS reserves for testing
(999 000 0000 to 999 999 9999) with a valid check digit. Rows go in with bulk Core inserts
(no ORM objects, no audit rows), so 100,000 cases seed in seconds.
"""

import zlib
from datetime import timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from nhs_number import calculate_checksum

from cdr.deadlines import AGENCY_REQUEST_DEADLINES, CHILD_DEATH_DEADLINES
from cdr.models import (
    CATEGORIES,
    GRADES,
    AgencyRequest,
    CaseAction,
    CaseAgency,
    CaseNotification,
    ChildDeathCase,
    ChildIdentity,
    PanelItem,
    PanelMeeting,
    RapidResponseMeeting,
)
from tracker.deadline_models import Deadline
from tracker.deadline_service import Dates, edition_on, load_rules, wanted_deadlines
from tracker.demo import insert_rows, maybe_met
from tracker.extensions import db
from tracker.models import User, user_partnership
from tracker.roles import Role
from tracker.timeline import TimelineEntry

# (stage, share of cases, days since the death: fewest, most)
STAGE_MIX = (
    ("notified", 10, 0, 6),
    ("rapid_response", 10, 3, 45),
    ("information", 25, 20, 150),
    ("review_meeting", 10, 60, 200),
    ("panel", 10, 90, 300),
    ("closed", 35, 180, 3 * 365),
)
_ORDER = [stage for stage, *_ in STAGE_MIX]
AGENCIES = ("GP practice", "Health visiting service", "Children's social care", "Police",
            "School", "Ambulance service", "Maternity unit")
SOURCES = ("practitioner", "registrar", "coroner", "other")
PANEL_ITEMS = 8  # cases on each demo panel meeting's agenda


def seed(rng, partnerships, numbers, today):
    """Insert one synthetic case per number, across the partnerships in turn, with its records."""
    ids = [p.id for p in partnerships]
    doctors = _first_user(ids, Role.DESIGNATED_DOCTOR)
    cases = [
        _fake_death(rng, partnerships[i % len(partnerships)], n, today,
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
        case.update(_national_form_fields(case, n, today))
    _insert_with_ids(ChildDeathCase.__table__, cases)
    meetings, requests = _insert_children(rng, cases, numbers, today)
    _insert_involved_agencies(cases, requests, numbers)
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


def _pick_stage(rng):
    """A stage, in the demo's mix."""
    roll = rng.randrange(100)
    for stage, share, *_ in STAGE_MIX:
        if roll < share:
            return stage
        roll -= share
    return "closed"


def _fake_death(rng, partnership, n, today, doctor_id):
    """A synthetic child death case row at a random stage: dates only, nobody real."""
    stage = _pick_stage(rng)
    _, _, fewest, most = STAGE_MIX[_ORDER.index(stage)]
    level = _ORDER.index(stage)
    died = today - timedelta(days=rng.randint(fewest, most))
    notified = min(died + timedelta(days=rng.randint(0, 3)), today)
    registered = died + timedelta(days=rng.randint(1, 10)) if rng.random() < 0.8 else None
    registered = registered if registered and registered <= today else None
    coroner = died + timedelta(days=rng.randint(0, 4)) if rng.random() < 0.4 else None
    coroner = coroner if coroner and coroner <= today else None
    jar = stage == "rapid_response" or rng.random() < 0.35
    post_mortem = jar and rng.random() < 0.7
    results = died + timedelta(days=rng.randint(40, 90)) if post_mortem and level >= 2 else None
    results = results if results and results <= today else None
    review_on = died + timedelta(days=rng.randint(50, 80)) if level >= 3 else None
    completed = died + timedelta(days=rng.randint(150, 170)) if stage == "closed" else None
    return {
        "partnership_id": partnership.id,
        "reference": f"CDOP-{partnership.code}-{died.year}-{n:06d}",
        "stage": stage,
        "rules_edition": edition_on(died),
        "date_of_death": died,
        "time_of_death": None,
        "place_of_death": rng.choice(("hospital", "home", "other")),
        "place_of_death_other": None,
        "la_of_residence": "Demoshire",
        "la_of_death": "Demoshire",
        "sex": rng.choice(("female", "male")),
        "age_at_death_days": rng.randint(0, 17 * 365),
        "age_uncertain": False,
        "death_expected": rng.choice(("yes", "no", "not_known")),
        "notification_received_on": notified,
        "looked_after": rng.random() < 0.05,
        "child_protection_plan": rng.random() < 0.05,
        "known_to_social_care": rng.random() < 0.2,
        "abuse_or_neglect_suspected": rng.random() < 0.05,
        "coroner_investigating": coroner is not None,
        "post_mortem_ordered": post_mortem,
        "death_registered_on": registered,
        "registrar_notified_on": maybe_met(rng, registered, 3, 12),
        "coroner_decision_on": coroner,
        "coroner_notified_on": maybe_met(rng, coroner, 0, 6),
        "jar_external_causes": False,
        "jar_sudden_unexplained": jar,
        "jar_custody_or_detained": False,
        "jar_suspicious": False,
        "jar_unattended_stillbirth": False,
        "jar_required": jar,
        "post_mortem_results_on": results,
        "designated_doctor_id": doctor_id if jar else None,
        "review_meeting_on": review_on,
        "review_meeting_attendees": "Designated doctor; CDOP administrator; GP; social worker"
        if review_on else None,
        "analysis_summary": "An invented summary for demonstration." if level >= 4 else None,
        "analysis_factors": "Invented factors for demonstration." if level >= 4 else None,
        "analysis_learning": "Invented learning for demonstration." if level >= 4 else None,
        "information_complete": level >= 3,
        **_outcome(rng, stage, completed),
    }


def _outcome(rng, stage, completed):
    """The panel's outcome columns: filled in for closed cases only."""
    closed = stage == "closed"
    return {
        "category": rng.choice(list(CATEGORIES)) if closed else None,
        "factors_child": "Invented factors in the child." if closed else None,
        "factors_social": "Invented factors in the social environment." if closed else None,
        "factors_physical": None,
        "factors_service": "Invented factors in service provision." if closed else None,
        "modifiable_factors": rng.choice(("yes", "no", "insufficient")) if closed else None,
        "learning_points": "Invented learning points." if closed else None,
        "review_completed_on": completed,
        "closed_on": completed,
    }


def _nhs_number(n):
    """A valid NHS number from the test range, unique to the demo's running number."""
    for digits in (f"{999_000_000 + 2 * n:09d}", f"{999_000_000 + 2 * n + 1:09d}"):
        check = calculate_checksum(digits)
        if check is not None and check < 10:
            return f"{digits}{check}"
    return None  # neither has a check digit: that demo child has no NHS number


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
            "nhs_number": _nhs_number(n), "address": f"{n} Invented Road, Demotown",
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
        requests += _reporting_forms(_requests(rng, case, today), case, n)
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


def _requests(rng, case, today):
    """Agency information requests of a case gathering information or past it."""
    if _ORDER.index(case["stage"]) < _ORDER.index("information"):
        return []
    rows = []
    for agency in rng.sample(AGENCIES, 3):
        sent = case["date_of_death"] + timedelta(days=rng.randint(10, 20))
        returned = sent + timedelta(days=rng.randint(5, 30))
        still_open = case["stage"] == "information" and rng.random() < 0.5
        rows.append({
            "case_id": case["id"], "partnership_id": case["partnership_id"],
            "agency": agency, "sent_on": sent,
            "chased_on": sent + timedelta(days=21) if still_open and rng.random() < 0.5
            and sent + timedelta(days=21) <= today else None,
            "returned_on": None if still_open or returned > today else returned,
            "summary": None if still_open else "Invented summary of what the agency knew.",
            "rules_edition": case["rules_edition"],
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

# What kind of agency each demo agency is (cdr.models.AGENCY_KINDS).
AGENCY_KIND = {"GP practice": "gp", "Health visiting service": "health_visiting",
               "Children's social care": "childrens_social_care", "Police": "police",
               "School": "school", "Ambulance service": "ambulance",
               "Maternity unit": "acute_trust"}
_ETHNICITY_MIX = ("white_british", "asian_pakistani", "black_african", "mixed_white_asian",
                  "not_stated")
_INFANT_DAYS = 365


def _pick(n, choices):
    """One of `choices` turns for the running number n, well mixed: a domain's demo cases get
    every other number (the domains share them), so n's own parity says nothing."""
    return zlib.crc32(str(n).encode()) % choices


def _on_or_before(day, today):
    """The day, or None if it is still to come."""
    return day if day is not None and day <= today else None


def _national_form_fields(case, n, today):
    """The notification form's remaining answers, the no post-mortem decision, the inquest and
    any prevention of future deaths report, the key worker and bereavement support, the draft
    and confirmed analysis, and what went to the NCMD: the same keys for every case (one bulk
    insert), filled in where the case's stage and running number say so."""
    died, stage = case["date_of_death"], case["stage"]
    closed = stage == "closed"
    jar = case["jar_required"]
    if jar:
        # The JAR criterion ticked is "sudden with no apparent cause": never an expected death.
        case["death_expected"] = "no"
    fields = {
        "nhs_number_absent": None if _nhs_number(n) else "not_available",
        "ncmd_alert": "no",
        "ncmd_alert_details": None,
        "ethnicity": _ETHNICITY_MIX[_pick(n, len(_ETHNICITY_MIX))],
        "fatal_event_on": None, "fatal_event_time": None, "fatal_event_place": None,
        "senior_practitioner": "Demo Registrar, paediatrics" if jar else None,
        "cause_1a": "Invented cause of death for demonstration" if closed else None,
        "cause_1b": None, "cause_1c": None, "cause_2": None,
        "post_mortem_required": ("yes" if case["post_mortem_ordered"] else "no") if jar
        else None,
        **_no_post_mortem(case, n, today),
        **_inquest(case, n, today),
        **_family_support(case, n, today),
        **_draft_analysis(case, n, today),
        **_confirmed_grades(case, n),
        **_ncmd_sent(case, n, today),
    }
    if fields["fatal_event_place"] is None and jar and _pick(n, 5) == 0:
        fields.update(fatal_event_on=died, fatal_event_place="Demo park, Demotown")
    return fields


def _no_post_mortem(case, n, today):
    """Half the JAR cases with no post-mortem ordered: the decision that none will be held
    (or, every third of those, that the coroner has not taken the case) and its date."""
    decided = None
    if case["jar_required"] and not case["post_mortem_ordered"] and _pick(n, 2) == 0:
        decided = _on_or_before(case["date_of_death"] + timedelta(days=3), today)
    if decided is None:
        return {"no_post_mortem": None, "no_post_mortem_on": None,
                "no_post_mortem_decided_by": None}
    return {"no_post_mortem": "coroner_declined" if _pick(n, 3) == 0 else "not_held",
            "no_post_mortem_on": decided,
            "no_post_mortem_decided_by": "Demo coroner's officer"}


def _inquest(case, n, today):
    """Closed cases the coroner investigated: an inquest, and every other one a prevention of
    future deaths report (regulation 28) with what it asked."""
    held = None
    if case["stage"] == "closed" and case["coroner_investigating"]:
        held = _on_or_before(case["closed_on"] - timedelta(days=30), today)
        held = held if held and held > case["date_of_death"] else None
    pfd = (_on_or_before(held + timedelta(days=14), today)
           if held and _pick(n, 2) == 0 else None)
    return {"inquest_on": held,
            "inquest_conclusion": "Invented conclusion for demonstration." if held else None,
            "pfd_report_on": pfd,
            "pfd_report_concerns": "Invented concerns about safe sleep advice for "
            "demonstration." if pfd else None}


def _family_support(case, n, today):
    """The family's key worker (a JAR case's) and the bereavement support offered."""
    worker = case["jar_required"] or (case["stage"] == "closed" and _pick(n, 4) == 0)
    offered = _on_or_before(case["notification_received_on"] + timedelta(days=2), today) \
        if worker else None
    support = "yes" if worker else ("not_known" if case["stage"] == "closed" else None)
    return {"key_worker_name": "Demo Key Worker" if worker else None,
            "key_worker_agency": "Demo hospital bereavement team" if worker else None,
            "family_information_offered_on": offered,
            "bereavement_support_offered": support,
            "bereavement_support_details": "Invented: referral to a bereavement charity"
            if support == "yes" else None}


def _draft_analysis(case, n, today):
    """The child death review meeting's draft analysis, once the meeting has been held."""
    keys = list(GRADES)
    drafted = _on_or_before(case["review_meeting_on"], today) is not None
    category = list(CATEGORIES)[_pick(n, len(CATEGORIES))]
    return {
        "draft_category": category if drafted else None,
        "draft_factors_child": "Invented factors in the child (draft)." if drafted else None,
        "draft_factors_social": "Invented factors in the social environment (draft)."
        if drafted else None,
        "draft_factors_physical": None,
        "draft_factors_service": "Invented factors in service provision (draft)."
        if drafted else None,
        "draft_grade_child": keys[_pick(n, len(keys))] if drafted else None,
        "draft_grade_social": keys[_pick(n + 1, len(keys))] if drafted else None,
        "draft_grade_physical": keys[0] if drafted else None,
        "draft_grade_service": keys[_pick(n + 2, len(keys))] if drafted else None,
        "draft_modifiable": ("yes", "no", "insufficient")[_pick(n, 3)] if drafted else None,
        "draft_modifiable_reason": "Invented reason for demonstration." if drafted else None,
        "draft_actions": "Invented actions for demonstration." if drafted else None,
    }


def _confirmed_grades(case, n):
    """The grades, reason and actions of the analysis the CDOP meeting confirmed (closed
    cases; _outcome has their category, factors and modifiable answer): every other one grades
    the child's factors differently from the draft, so the CDOP's change shows."""
    closed = case["stage"] == "closed"
    keys = list(GRADES)
    child = keys[(_pick(n, len(keys)) + _pick(n + 7, 2)) % len(keys)]
    return {
        "grade_child": child if closed else None,
        "grade_social": keys[_pick(n + 1, len(keys))] if closed else None,
        "grade_physical": None,
        "grade_service": keys[_pick(n + 2, len(keys))] if closed else None,
        "modifiable_reason": "Invented reason for demonstration." if closed else None,
        "outcome_actions": "Invented actions for demonstration." if closed else None,
    }


def _ncmd_sent(case, n, today):
    """What went to the NCMD, in the forms' order: most notifications once the case is past
    notification; for closed cases, all three forms for a third, reporting forms only for a
    third, nothing more for the rest (the NCMD list's not-yet-sent cases)."""
    sent = {f"ncmd_{form}_sent_{suffix}": None for form in ("notification", "reporting",
                                                             "analysis")
            for suffix in ("on", "by_id")}
    if case["stage"] == "notified" or _pick(n, 5) == 0:
        return sent
    by = case["owner_id"]
    notified = _on_or_before(case["notification_received_on"] + timedelta(days=1), today)
    sent.update(ncmd_notification_sent_on=notified, ncmd_notification_sent_by_id=by
                if notified else None)
    if case["stage"] == "closed" and notified and _pick(n, 3) != 2:
        reporting = case["closed_on"]
        sent.update(ncmd_reporting_sent_on=reporting, ncmd_reporting_sent_by_id=by)
        analysis = _on_or_before(case["closed_on"] + timedelta(days=7), today)
        if _pick(n, 3) == 0 and analysis:
            sent.update(ncmd_analysis_sent_on=analysis, ncmd_analysis_sent_by_id=by)
    return sent


def _reporting_forms(rows, case, n):
    """A case's requests, each for the core reporting form, and one more agency's
    supplementary reporting form where the death calls for one: sudden unexpected death in
    infancy for a JAR infant, the care pathway form for every other expected death."""
    for row in rows:
        row["reporting_form"] = "core"
    if not rows:
        return rows
    supplementary = None
    if case["jar_sudden_unexplained"] and case["age_at_death_days"] < _INFANT_DAYS:
        supplementary = "sudi"
    elif case["death_expected"] == "yes" and _pick(n, 2) == 0:
        supplementary = "care_pathway"
    if supplementary:
        rows.append({**rows[0], "reporting_form": supplementary})
    return rows


def _insert_involved_agencies(cases, requests, numbers):
    """The professionals and agencies involved in each child's life (the notification form's
    list the reporting forms go to): those asked, or two by the running number for a case not
    yet gathering information."""
    asked: dict[int, list[str]] = {}
    for request in requests:
        names = asked.setdefault(request["case_id"], [])
        if request["agency"] not in names:
            names.append(request["agency"])
    rows = []
    for case, n in zip(cases, numbers, strict=True):
        first = _pick(n, len(AGENCIES))
        names = asked.get(case["id"]) or [AGENCIES[first],
                                          AGENCIES[(first + 3) % len(AGENCIES)]]
        rows += [{"case_id": case["id"], "partnership_id": case["partnership_id"],
                  "name": name, "kind": AGENCY_KIND.get(name, "other"),
                  "professional": f"Demo professional ({name})" if position == 0 else None,
                  "added_on": case["notification_received_on"]}
                 for position, name in enumerate(names)]
    insert_rows(CaseAgency.__table__, rows)


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
