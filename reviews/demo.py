"""Demo serious incidents at every stage: plainly invented, pseudonyms only, nobody real.

Incidents just notified, in rapid review, awaiting a decision, with no review, local and
national reviews under way (reviewers, some publications delayed), published reviews with
recommendations and actions (some overdue, some complete), and a yearly report per
partnership. Rows go in with bulk Core inserts (no ORM objects, no audit rows); the shell
then builds their stored deadlines in bulk.
"""

from datetime import timedelta

import sqlalchemy as sa

from reviews.models import (
    CARE_LEAVER_MAX_AGE,
    DELAY_REASONS,
    PublicationDelay,
    RapidReviewMeeting,
    Recommendation,
    ReviewAction,
    Reviewer,
    SeriousIncident,
    YearlyReport,
)
from tracker.deadline_service import edition_on
from tracker.demo import insert_rows, maybe_met
from tracker.extensions import db
from tracker.models import User, user_partnership
from tracker.roles import Role

# (stage, share of incidents, days since the local authority became aware: fewest, most)
STAGE_MIX = (
    ("notified", 10, 0, 6),
    ("rapid_review", 10, 5, 25),
    ("decision", 10, 20, 45),
    ("no_review", 20, 40, 3 * 365),
    ("review", 20, 45, 240),
    ("published", 15, 220, 500),
    ("actions", 10, 300, 700),
    ("complete", 5, 500, 3 * 365),
)
_AFTER_DECISION = {"review", "published", "actions", "complete"}
_PUBLISHED = {"published", "actions", "complete"}
AGENCIES = ("Police", "Children's social care", "Health visiting service", "School",
            "Integrated care board", "Probation service")
LEADS = ("Head of safeguarding", "Designated nurse", "Detective inspector",
         "Service manager", "Head teacher")
ACTIONS_PER_RECOMMENDATION = 2


def seed(rng, partnerships, numbers, today):
    """Insert one synthetic incident per number, across the partnerships in turn, with the
    records of its stage; and a yearly report per partnership that has none."""
    incidents = [_fake_incident(rng, partnerships[i % len(partnerships)], n, today)
                 for i, n in enumerate(numbers)]
    # The partnership's business unit owns the demo incidents, so reminders go to someone.
    owners = _business_units([p.id for p in partnerships])
    for incident in incidents:
        incident["owner_id"] = owners.get(incident["partnership_id"])
    if incidents:
        _insert_records(rng, _insert_with_ids(SeriousIncident.__table__, incidents), today)
    _yearly_reports(partnerships, today)
    return len(incidents)


def _business_units(partnership_ids):
    """Partnership id -> its first active business unit user (one query)."""
    rows = db.session.execute(
        sa.select(user_partnership.c.partnership_id, User.id)
        .join(User, User.id == user_partnership.c.user_id)
        .where(User.role == Role.BUSINESS_UNIT.value, User.active.is_(True),
               user_partnership.c.partnership_id.in_(partnership_ids))
        .order_by(User.id.desc()))
    return dict(rows.all())


def count():
    """How many incidents there are."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(SeriousIncident)) or 0


def _insert_with_ids(table, rows):
    """Bulk insert with ids given here (a plain executemany: fast); returns the rows, each
    with its id and every column any row has (an executemany needs the same keys)."""
    first = (db.session.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1
    keys = {key for row in rows for key in row} | {"id"}
    for offset, row in enumerate(rows):
        row["id"] = first + offset
        for key in keys - row.keys():
            row[key] = None
    insert_rows(table, rows)
    if db.engine.dialect.name == "postgresql":
        # Ids given explicitly leave the sequence behind: move it past them.
        db.session.execute(sa.select(sa.func.setval(
            sa.func.pg_get_serial_sequence(table.name, "id"),
            sa.select(sa.func.max(table.c.id)).scalar_subquery(),
        )))
    return rows


def _pick_stage(rng):
    """A stage, in the demo's mix, with its range of days since awareness."""
    roll = rng.randrange(100)
    for stage, share, fewest, most in STAGE_MIX:
        if roll < share:
            return stage, fewest, most
        roll -= share
    return STAGE_MIX[-1][0], STAGE_MIX[-1][2], STAGE_MIX[-1][3]


def _letters(n: int) -> str:
    """A pseudonym's letters for the demo's running number: A to Z, then AA, AB, … (one per
    incident, as a partnership gives each child its own; 26 letters over 100,000 incidents
    made thousands of seeming duplicates)."""
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _fake_incident(rng, partnership, n, today):
    """A synthetic serious incident row at a random stage: dates and a pseudonym only."""
    stage, fewest, most = _pick_stage(rng)
    aware = today - timedelta(days=rng.randint(fewest, most))
    died = rng.random() < 0.4
    row = {
        "partnership_id": partnership.id,
        "reference": f"CSPR-{partnership.code}-{aware.year}-{n:06d}",
        "stage": stage,
        "child_reference": f"Child {_letters(n)}",
        "child_died": died,
        "incident_date": aware - timedelta(days=rng.randint(0, 5)),
        "la_aware_on": aware,
        "rules_edition": edition_on(aware),
        "abuse_or_neglect_suspected": rng.random() < 0.95,
        "abuse_or_neglect_known_on": None,
        "location": "in_area" if rng.random() < 0.95 else "outside_england",
        "looked_after": rng.random() < 0.15,
        "care_leaver": False,
        "cp_plan": rng.choice(["on_plan", "recently_removed", "no", "no"]),
        "converted": False,
    }
    if row["looked_after"] and died:
        row["sos_ofsted_notified_on"] = maybe_met(rng, aware, 1, 8) if stage != "notified" \
            else None
    if died and not row["looked_after"] and n % 29 == 3:
        # Now and then a care leaver (never also looked after), aged 18 to 25 (drawn without
        # the random generator, so the rest of the demo stays as it was): the Secretary of
        # State and Ofsted are told of the death of one aged 24 or under (Working Together
        # 2023), within a few days.
        row.update(care_leaver=True, age_at_death_years=18 + n % 8)
        if row["age_at_death_years"] <= CARE_LEAVER_MAX_AGE and stage != "notified":
            row["sos_ofsted_notified_on"] = min(aware + timedelta(days=3), today)
    if not row["abuse_or_neglect_suspected"]:
        # Not notifiable to the Panel: no Panel notification, partners' report or rapid
        # review, only the looked-after child's notification when one died.
        row["stage"] = "notified"
        return row
    # Most suspicions are known when the local authority learns of the incident; some later,
    # and the Panel's clocks start from then.
    known = aware if rng.random() < 0.9 else min(aware + timedelta(days=rng.randint(1, 10)),
                                                  today)
    row["abuse_or_neglect_known_on"] = known if known > aware else None
    row["panel_notified_on"] = maybe_met(rng, known, 1, 8)
    row["partners_notified_on"] = maybe_met(rng, known, 1, 8)
    if row["panel_notified_on"] and row["panel_notified_on"] > today:
        row["panel_notified_on"] = None
    if row["partners_notified_on"] and row["partners_notified_on"] > today:
        row["partners_notified_on"] = None
    if stage == "notified":
        return row
    return _rapid_review(rng, row, stage, known, today)


def _rapid_review(rng, row, stage, known, today):
    """The rapid review's columns, then the decision's and publication's for later stages."""
    row["panel_notified_on"] = row["panel_notified_on"] or min(known + timedelta(days=3), today)
    row["partners_notified_on"] = row["partners_notified_on"] or min(known + timedelta(days=4),
                                                                     today)
    row["rr_participants"] = "Police, health and children's social care leads (demo)"
    row["rr_agencies"] = ", ".join(rng.sample(AGENCIES, 3))
    row["rr_facts"] = "Invented facts for the demonstration."
    if stage == "rapid_review":
        return row
    sent = min(row["panel_notified_on"] + timedelta(days=rng.randint(10, 24)), today)
    recommendation = "none" if stage == "no_review" else rng.choice(["local", "local",
                                                                      "national"])
    row.update(rapid_review_sent_on=sent, rr_recommendation=recommendation,
               rr_rationale="Invented rationale for the demonstration.",
               rr_learning="Invented learning for the demonstration.")
    if stage == "decision":
        return row
    decided = min(sent + timedelta(days=rng.randint(5, 20)), today)
    decision = {"no_review": "none"}.get(stage, recommendation if recommendation != "none"
                                          else "local")
    if stage in _PUBLISHED:
        decision = "local"
    row.update(panel_response_on=decided, panel_national_review=decision == "national",
               decision=decision, decision_on=decided,
               decision_rationale="Invented rationale for the demonstration.",
               family_told=True, family_told_on=decided + timedelta(days=2),
               converted=decision == "local")
    if decision == "local":
        row["decision_informed_on"] = decided + timedelta(days=1)
        row["decision_ofsted_told_on"] = row["decision_dfe_told_on"] = row["decision_informed_on"]
    if decision == "national":
        # The Panel's decision starts the national review's clocks (the Panel's own).
        row["panel_decision_on"] = decided
    if stage in _AFTER_DECISION:
        _publication(rng, row, stage, decided, today)
    return row


def _publication(rng, row, stage, decided, today):
    """Planned publication six months on; published ones with their copies sent before."""
    planned = decided + timedelta(days=182)
    row["planned_publication_on"] = planned
    row["terms_of_reference"] = "Invented terms of reference for the demonstration."
    row["methodology"] = "Systems methodology"
    if stage in _PUBLISHED:
        published = min(planned + timedelta(days=rng.randint(-20, 40)), today)
        row.update(planned_publication_on=published,
                   copies_sent_on=published - timedelta(days=rng.randint(9, 14)),
                   ofsted_copy_sent_on=published - timedelta(days=10), publish_type="full",
                   published_on=published,
                   published_url=f"https://example.org/demo-reviews/{row['reference']}")


def _insert_records(rng, incidents, today):
    """Meetings, reviewers, delays, recommendations and actions of the new incidents."""
    meetings, reviewers, delays, recommendations = [], [], [], []
    for row in incidents:
        base = {"incident_id": row["id"], "partnership_id": row["partnership_id"]}
        if row["stage"] != "notified":
            first = row["la_aware_on"] + timedelta(days=rng.randint(3, 6))
            meetings += [{**base, "meeting_on": first + timedelta(days=7 * k)}
                         for k in range(rng.randint(1, 2))]
        if row.get("decision") == "local" and row["stage"] in _AFTER_DECISION:
            reviewers.append({**base, "name": f"Demo Reviewer {row['id'] % 40 + 1}",
                              "organisation": "Independent reviewer (demo)",
                              "conflict_checked_on": row["decision_on"],
                              "conflict_outcome": "No conflict of interest found"})
            if row["stage"] == "review" and rng.random() < 0.25:
                delays.append(_delay(rng, row, base))
        if row["stage"] in _PUBLISHED:
            recommendations += [{**base, "number": k, "text": f"Demo recommendation {k}"}
                                for k in (1, 2)]
    insert_rows(RapidReviewMeeting.__table__, meetings)
    insert_rows(Reviewer.__table__, reviewers)
    insert_rows(PublicationDelay.__table__, delays)
    _insert_with_ids(Recommendation.__table__, recommendations)
    stages = {row["id"]: row for row in incidents}
    insert_rows(ReviewAction.__table__, [
        action for rec in recommendations for k in range(ACTIONS_PER_RECOMMENDATION)
        for action in [_action(rng, rec, stages[rec["incident_id"]], k, today)]
    ])


def _delay(rng, row, base):
    """A delay to publication: the reason, the Panel and Secretary of State told, new date."""
    previous = row["planned_publication_on"]
    revised = previous + timedelta(days=rng.randint(60, 180))
    row["planned_publication_on"] = revised
    recorded = row["decision_on"] + timedelta(days=rng.randint(30, 90))
    return {**base, "reason": rng.choice(list(DELAY_REASONS)), "detail": "Demo delay",
            "told_panel_sos_on": recorded + timedelta(days=3), "previous_planned_on": previous,
            "revised_on": revised, "recorded_on": recorded}


def _action(rng, recommendation, incident, k, today):
    """An action of a recommendation: complete once a review is complete, else some late."""
    published = incident["published_on"]
    due = published + timedelta(days=rng.randint(30, 300))
    done = incident["stage"] == "complete" or (due < today and rng.random() < 0.6)
    return {
        "incident_id": recommendation["incident_id"],
        "partnership_id": recommendation["partnership_id"],
        "recommendation_id": recommendation["id"],
        "description": f"Demo action {recommendation['number']}.{k + 1}",
        "agency": rng.choice(AGENCIES), "lead": rng.choice(LEADS), "due_on": due,
        "status": "complete" if done else rng.choice(["not_started", "in_progress"]),
        "completed_on": min(due, today) if done else None,
        "evidence": "Demo evidence of completion" if done else None,
    }


def _yearly_reports(partnerships, today):
    """The latest yearly report of each partnership that has none, ten months ago."""
    have = set(db.session.scalars(sa.select(YearlyReport.partnership_id).distinct()))
    published = today - timedelta(days=300)
    insert_rows(YearlyReport.__table__, [
        {"partnership_id": p.id, "published_on": published,
         "url": f"https://example.org/demo-yearly-report/{p.code}",
         "copies_sent_on": published + timedelta(days=5), "rules_edition": edition_on(published)}
        for p in partnerships if p.id not in have
    ])


def send_information_request(today):
    """An incident with a request for information: the first partnership's newest incident
    asks the first contact of its agency directory for the rapid review, so the link's
    e-mail lands in the local mail folder (`make run`'s mail sink)."""
    from reviews.services import information_requests
    from tracker.agencies import AgencyContact

    incident = db.session.scalar(sa.select(SeriousIncident).order_by(
        SeriousIncident.partnership_id, SeriousIncident.la_aware_on.desc(),
        SeriousIncident.id.desc()).limit(1))
    if incident is None:
        return
    contact = db.session.scalar(sa.select(AgencyContact).where(
        AgencyContact.partnership_id == incident.partnership_id).order_by(AgencyContact.id))
    if contact is None:
        return
    information_requests.make(
        incident, stage="rapid_review", contact_id=contact.id, user=None, today=today,
        asked="Your agency's contact with the child and family in the year before the "
              "incident (demo).", due_on=today + timedelta(days=14))
