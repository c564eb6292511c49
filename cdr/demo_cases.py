"""The demo's child death case rows: the stage each case has reached, its dates, its outcome and
the national notification form's answers (cdr.demo inserts them). All invented: the dates come
from the random generator, the national-form answers from the case's running number.
"""

import zlib
from datetime import timedelta

from nhs_number import calculate_checksum

from cdr.models import CATEGORIES, GRADES
from tracker.deadline_service import edition_on
from tracker.demo import maybe_met

# (stage, share of cases, days since the death: fewest, most)
STAGE_MIX = (
    ("notified", 10, 0, 6),
    ("rapid_response", 10, 3, 45),
    ("information", 25, 20, 150),
    ("review_meeting", 10, 60, 200),
    ("panel", 10, 90, 300),
    ("closed", 35, 180, 3 * 365),
)

STAGE_ORDER = [stage for stage, *_ in STAGE_MIX]



def _pick_stage(rng):
    """A stage, in the demo's mix."""
    roll = rng.randrange(100)
    for stage, share, *_ in STAGE_MIX:
        if roll < share:
            return stage
        roll -= share
    return "closed"


def fake_death(rng, partnership, n, today, doctor_id):
    """A synthetic child death case row at a random stage: dates only, nobody real."""
    stage = _pick_stage(rng)
    _, _, fewest, most = STAGE_MIX[STAGE_ORDER.index(stage)]
    level = STAGE_ORDER.index(stage)
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


def demo_nhs_number(n):
    """A valid NHS number from the test range, unique to the demo's running number."""
    for digits in (f"{999_000_000 + 2 * n:09d}", f"{999_000_000 + 2 * n + 1:09d}"):
        check = calculate_checksum(digits)
        if check is not None and check < 10:
            return f"{digits}{check}"
    return None  # neither has a check digit: that demo child has no NHS number



# --- Last session's national-form fields (issue 24), chosen by the case's running number,
# never by the random generator, so the rest of the seed is what it was ---------------------

_ETHNICITY_MIX = ("white_british", "asian_pakistani", "black_african", "mixed_white_asian",
                  "not_stated")



def pick(n, choices):
    """One of `choices` turns for the running number n, well mixed: a domain's demo cases get
    every other number (the domains share them), so n's own parity says nothing."""
    return zlib.crc32(str(n).encode()) % choices


def _on_or_before(day, today):
    """The day, or None if it is still to come."""
    return day if day is not None and day <= today else None


def national_form_fields(case, n, today):
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
        "nhs_number_absent": None if demo_nhs_number(n) else "not_available",
        "ncmd_alert": "no",
        "ncmd_alert_details": None,
        "ethnicity": _ETHNICITY_MIX[pick(n, len(_ETHNICITY_MIX))],
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
    if fields["fatal_event_place"] is None and jar and pick(n, 5) == 0:
        fields.update(fatal_event_on=died, fatal_event_place="Demo park, Demotown")
    return fields


def _no_post_mortem(case, n, today):
    """Half the JAR cases with no post-mortem ordered: the decision that none will be held
    (or, every third of those, that the coroner has not taken the case) and its date."""
    decided = None
    if case["jar_required"] and not case["post_mortem_ordered"] and pick(n, 2) == 0:
        decided = _on_or_before(case["date_of_death"] + timedelta(days=3), today)
    if decided is None:
        return {"no_post_mortem": None, "no_post_mortem_on": None,
                "no_post_mortem_decided_by": None}
    return {"no_post_mortem": "coroner_declined" if pick(n, 3) == 0 else "not_held",
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
           if held and pick(n, 2) == 0 else None)
    return {"inquest_on": held,
            "inquest_conclusion": "Invented conclusion for demonstration." if held else None,
            "pfd_report_on": pfd,
            "pfd_report_concerns": "Invented concerns about safe sleep advice for "
            "demonstration." if pfd else None}


def _family_support(case, n, today):
    """The family's key worker (a JAR case's) and the bereavement support offered."""
    worker = case["jar_required"] or (case["stage"] == "closed" and pick(n, 4) == 0)
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
    category = list(CATEGORIES)[pick(n, len(CATEGORIES))]
    return {
        "draft_category": category if drafted else None,
        "draft_factors_child": "Invented factors in the child (draft)." if drafted else None,
        "draft_factors_social": "Invented factors in the social environment (draft)."
        if drafted else None,
        "draft_factors_physical": None,
        "draft_factors_service": "Invented factors in service provision (draft)."
        if drafted else None,
        "draft_grade_child": keys[pick(n, len(keys))] if drafted else None,
        "draft_grade_social": keys[pick(n + 1, len(keys))] if drafted else None,
        "draft_grade_physical": keys[0] if drafted else None,
        "draft_grade_service": keys[pick(n + 2, len(keys))] if drafted else None,
        "draft_modifiable": ("yes", "no", "insufficient")[pick(n, 3)] if drafted else None,
        "draft_modifiable_reason": "Invented reason for demonstration." if drafted else None,
        "draft_actions": "Invented actions for demonstration." if drafted else None,
    }


def _confirmed_grades(case, n):
    """The grades, reason and actions of the analysis the CDOP meeting confirmed (closed
    cases; _outcome has their category, factors and modifiable answer): every other one grades
    the child's factors differently from the draft, so the CDOP's change shows."""
    closed = case["stage"] == "closed"
    keys = list(GRADES)
    child = keys[(pick(n, len(keys)) + pick(n + 7, 2)) % len(keys)]
    return {
        "grade_child": child if closed else None,
        "grade_social": keys[pick(n + 1, len(keys))] if closed else None,
        "grade_physical": None,
        "grade_service": keys[pick(n + 2, len(keys))] if closed else None,
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
    if case["stage"] == "notified" or pick(n, 5) == 0:
        return sent
    by = case["owner_id"]
    notified = _on_or_before(case["notification_received_on"] + timedelta(days=1), today)
    sent.update(ncmd_notification_sent_on=notified, ncmd_notification_sent_by_id=by
                if notified else None)
    if case["stage"] == "closed" and notified and pick(n, 3) != 2:
        reporting = case["closed_on"]
        sent.update(ncmd_reporting_sent_on=reporting, ncmd_reporting_sent_by_id=by)
        analysis = _on_or_before(case["closed_on"] + timedelta(days=7), today)
        if pick(n, 3) == 0 and analysis:
            sent.update(ncmd_analysis_sent_on=analysis, ncmd_analysis_sent_by_id=by)
    return sent
