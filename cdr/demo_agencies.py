"""The demo's agencies: the information requests of each case (with the reporting form each
asks for) and the professionals and agencies involved in each child's life. All invented."""

from datetime import timedelta

from cdr.demo_cases import STAGE_ORDER, pick
from cdr.models import CaseAgency
from tracker.demo import insert_rows

AGENCIES = ("GP practice", "Health visiting service", "Children's social care", "Police",
            "School", "Ambulance service", "Maternity unit")

# What kind of agency each demo agency is (cdr.models.AGENCY_KINDS).
AGENCY_KIND = {"GP practice": "gp", "Health visiting service": "health_visiting",
               "Children's social care": "childrens_social_care", "Police": "police",
               "School": "school", "Ambulance service": "ambulance",
               "Maternity unit": "acute_trust"}

_INFANT_DAYS = 365



def information_requests(rng, case, today):
    """Agency information requests of a case gathering information or past it."""
    if STAGE_ORDER.index(case["stage"]) < STAGE_ORDER.index("information"):
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


def reporting_forms(rows, case, n):
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
    elif case["death_expected"] == "yes" and pick(n, 2) == 0:
        supplementary = "care_pathway"
    if supplementary:
        rows.append({**rows[0], "reporting_form": supplementary})
    return rows


def insert_involved_agencies(cases, requests, numbers):
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
        first = pick(n, len(AGENCIES))
        names = asked.get(case["id"]) or [AGENCIES[first],
                                          AGENCIES[(first + 3) % len(AGENCIES)]]
        rows += [{"case_id": case["id"], "partnership_id": case["partnership_id"],
                  "name": name, "kind": AGENCY_KIND.get(name, "other"),
                  "professional": f"Demo professional ({name})" if position == 0 else None,
                  "added_on": case["notification_received_on"]}
                 for position, name in enumerate(names)]
    insert_rows(CaseAgency.__table__, rows)
