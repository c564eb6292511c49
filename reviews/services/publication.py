"""Publishing a review: the planned date within six months of the decision, the copies sent
before publication (counted back from the planned date, recomputed when it moves), what is
published, delays with their reasons and revised dates, and the slippage they add up to.

A local review's copies go to the Panel and the Secretary of State (and Ofsted); a national
review's, published by the Panel, to the Secretary of State. Plain functions taking `today`;
none commits.
"""

from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
from flask import abort

from reviews.models import DELAY_REASONS, PUBLISH_TYPES, PublicationDelay
from reviews.services.incidents import advance, check, not_before, not_future
from tracker import deadline_service, timeline
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.timeutil import format_date

FIELDS = ("planned_publication_on", "copies_sent_on", "ofsted_copy_sent_on", "publish_type",
          "publish_justification", "justification_sent_on", "published_on", "published_url")
# The stored deadlines of each kind of review: publication, copies before it, public until.
RULES = {
    "local": ("cspr_publication", "cspr_prepublication_copies", "cspr_public_until"),
    "national": ("national_publication", "national_prepublication_copies",
                 "national_public_until"),
}
# Who is told, in the words each kind of review uses.
TOLD = {"local": "the Panel and the Secretary of State", "national": "the Secretary of State"}


def reviewed(incident) -> None:
    """404 unless a local or a national review was decided (nothing is published otherwise)."""
    if incident.decision not in RULES:
        abort(404)


def publication_due(incident) -> date | None:
    """The stored due date of the review's six-month publication deadline (one query)."""
    return db.session.scalar(
        sa.select(Deadline.due_date).where(
            Deadline.owner_type == "serious_incident", Deadline.owner_id == incident.id,
            Deadline.rule_key == RULES[incident.decision][0], Deadline.item == "")
    )


def delays_of(incident) -> list[PublicationDelay]:
    """The incident's publication delays in the order they were recorded (one query)."""
    return db.session.scalars(
        sa.select(PublicationDelay).where(PublicationDelay.incident_id == incident.id)
        .order_by(PublicationDelay.recorded_on, PublicationDelay.id)
    ).all()


# --- The publication form --------------------------------------------------------------------


def latest_allowed(incident, due: date | None, delays) -> date | None:
    """The latest planned date that needs no further delay: the six-month due date, or the
    revised date of the last delay when that is later."""
    dates = [d for d in [due, *(delay.revised_on for delay in delays)] if d is not None]
    return max(dates) if dates else None


def _planned_problem(incident, planned, due, delays) -> str | None:
    limit = latest_allowed(incident, due, delays)
    if planned is None or limit is None or planned <= limit:
        return None
    if delays:
        return (f"Planned publication date must be on or before {format_date(limit)}, the "
                "revised date of the last delay: record a further delay with its reason")
    return (f"Planned publication date must be on or before {format_date(limit)}, 6 months "
            "from the decision, unless a delay is recorded: record a delay with its reason")


def problems_of(incident, values: dict, today: date, due, delays) -> dict[str, str]:
    """{field: message} for publication answers that cannot be right."""
    problems = {}
    planned = values.get("planned_publication_on")
    not_before(problems, "planned_publication_on", planned, "Planned publication date",
               incident.decision_on, "the date of the decision")
    if "planned_publication_on" not in problems:
        message = _planned_problem(incident, planned, due, delays)
        if message:
            problems["planned_publication_on"] = message
    for field, label in (("copies_sent_on", "Date the copies were sent"),
                         ("ofsted_copy_sent_on", "Date the copy was sent to Ofsted"),
                         ("justification_sent_on", "Date the justification was sent"),
                         ("published_on", "Publication date")):
        if not_future(problems, field, values.get(field), label, today):
            not_before(problems, field, values.get(field), label, incident.decision_on,
                       "the date of the decision")
    _content_problems(problems, values, TOLD[incident.decision])
    return problems


def _content_problems(problems, values, told) -> None:
    """What is published: the justification for improvements only; the address once out."""
    if values.get("publish_type") == "improvements":
        if not values.get("publish_justification"):
            problems["publish_justification"] = (
                f"Enter the justification sent to {told} for publishing information about "
                "improvements only")
        if values.get("justification_sent_on") is None:
            problems.setdefault("justification_sent_on",
                                f"Enter the date the justification was sent to {told}")
    if values.get("published_on") is not None:
        if not values.get("publish_type"):
            problems["publish_type"] = "Select what was published"
        if not values.get("published_url"):
            problems["published_url"] = "Enter the web address where it is published"
    elif values.get("published_url"):
        problems.setdefault("published_on", "Enter the publication date")


def save(incident, values: dict, today: date) -> list[str]:
    """Record the publication answers; the names of what changed (no commit). Moving the
    planned date moves the copies' stored deadline with it (sync_case)."""
    values = dict(values)
    if values.get("publish_type") != "improvements":
        values["publish_justification"] = values["justification_sent_on"] = None
    if incident.decision == "national":
        values["ofsted_copy_sent_on"] = None  # the Panel's copies to others have no timescale
    delays = delays_of(incident)
    check(problems_of(incident, values, today, publication_due(incident), delays))
    before = {name: getattr(incident, name) for name in FIELDS}
    changed = [name for name in FIELDS if before[name] != values.get(name)]
    for name in changed:
        setattr(incident, name, values.get(name))
    if not changed:
        return []
    _timeline(incident, before, changed, today)
    if incident.published_on is not None:
        advance(incident, "published")
    elif incident.stage == "published":
        incident.stage = "review"  # a publication date recorded by mistake was removed
    deadline_service.sync_case(incident)
    return changed


def _timeline(incident, before: dict, changed: list[str], today: date) -> None:
    told = TOLD[incident.decision]
    if "planned_publication_on" in changed:
        old, new = before["planned_publication_on"], incident.planned_publication_on
        text = (f"Planned publication date moved from {format_date(old)} to {format_date(new)}"
                if old and new else
                f"Planned publication date set: {format_date(new)}" if new else
                "Planned publication date removed")
        timeline.add(incident, "publication", text, happened_on=today)
    events = {
        "copies_sent_on": f"Report sent to {told} before publication",
        "ofsted_copy_sent_on": "Report sent to Ofsted before publication",
        "justification_sent_on": f"Justification for publishing improvements only sent to {told}",
        "published_on": f"Published: {PUBLISH_TYPES.get(incident.publish_type, 'report')}",
    }
    for name, text in events.items():
        if name in changed and getattr(incident, name) is not None:
            timeline.add(incident, "publication", text, happened_on=getattr(incident, name))
    rest = set(changed) - {"planned_publication_on", *events}
    if rest and not (set(changed) & set(events)):
        timeline.add(incident, "publication", "Publication details changed", happened_on=today)


# --- Delays ----------------------------------------------------------------------------------


def delay_problems(incident, values: dict, today: date) -> dict[str, str]:
    """{field: message} for a delay that cannot be recorded."""
    problems = {}
    if incident.published_on is not None:
        problems["reason"] = ("The review was published on "
                              f"{format_date(incident.published_on)}: a delay can no longer "
                              "be recorded")
        return problems
    if values.get("reason") == "other" and not values.get("detail"):
        problems["detail"] = "Enter what is delaying publication"
    verb = "was" if incident.decision == "national" else "were"
    told_label = f"Date {TOLD[incident.decision]} {verb} told"
    told = values.get("told_panel_sos_on")
    if not_future(problems, "told_panel_sos_on", told, told_label, today):
        not_before(problems, "told_panel_sos_on", told, told_label, incident.decision_on,
                   "the date of the decision")
    revised, planned = values.get("revised_on"), incident.planned_publication_on
    if revised is not None and planned is not None and revised <= planned:
        problems["revised_on"] = ("Revised publication date must be after the planned date, "
                                  f"{format_date(planned)}")
    elif revised is not None and planned is None:
        not_before(problems, "revised_on", revised, "Revised publication date",
                   incident.decision_on, "the date of the decision")
    return problems


def record_delay(incident, values: dict, today: date) -> PublicationDelay:
    """Record a delay: its revised date becomes the planned date, the previous one is kept
    so the slippage shows (no commit). Raises Problems."""
    check(delay_problems(incident, values, today))
    delay = PublicationDelay(
        incident_id=incident.id, partnership_id=incident.partnership_id,
        reason=values["reason"], detail=values.get("detail"),
        told_panel_sos_on=values["told_panel_sos_on"],
        previous_planned_on=incident.planned_publication_on,
        revised_on=values["revised_on"], recorded_on=today,
    )
    db.session.add(delay)
    incident.planned_publication_on = delay.revised_on
    timeline.add(incident, "delay",
                 f"Publication delayed ({reason_words(delay)}); {TOLD[incident.decision]} "
                 f"told on {format_date(delay.told_panel_sos_on)}; revised publication date "
                 f"{format_date(delay.revised_on)}",
                 happened_on=today)
    deadline_service.sync_case(incident)
    return delay


def reason_words(delay: PublicationDelay) -> str:
    """The delay's reason in words, with its detail."""
    words = DELAY_REASONS.get(delay.reason, delay.reason)
    return f"{words}: {delay.detail}" if delay.detail else words


# --- The review page's publication section ---------------------------------------------------


class Slippage(NamedTuple):
    """How far publication moved from the first planned date, and why."""

    first_planned: date | None
    now: date | None  # the publication date, or the planned date until then
    days: int | None


class PublicationSection(NamedTuple):
    """What the review page shows of publication."""

    kind: str  # "local" or "national"
    told: str
    delays: list[PublicationDelay]
    latest_delay: PublicationDelay | None
    slippage: Slippage
    rows: dict  # rule key -> DeadlineRow of the review page (publication, copies, public)


def section(incident, deadline_rows) -> PublicationSection | None:
    """The publication section, from the page's deadline rows and one query for delays."""
    if incident.decision not in RULES:
        return None
    delays = delays_of(incident)
    first = delays[0].previous_planned_on if delays else incident.planned_publication_on
    now = incident.published_on or incident.planned_publication_on
    days = (now - first).days if first and now else None
    wanted = RULES[incident.decision]
    rows = {row.deadline.rule_key: row for row in deadline_rows
            if row.deadline.rule_key in wanted}
    return PublicationSection(
        kind=incident.decision, told=TOLD[incident.decision], delays=delays,
        latest_delay=delays[-1] if delays else None,
        slippage=Slippage(first, now, days),
        rows={"publication": rows.get(wanted[0]), "copies": rows.get(wanted[1]),
              "public_until": rows.get(wanted[2])},
    )
