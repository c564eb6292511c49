"""The practice review tracker as a spreadsheet: the incidents the list shows, every date of
each, and every stored deadline with its due date and status today.

It reads the incidents the tracker list shows (`lists.filtered_incidents`, the same filters
and order). The child's real name (reviews_child_identity) is joined only when the caller asks
for it and may see it. Rows are read in chunks of incidents, each in its own short
transaction (tracker.short_reads), so a large export stays small in memory and never holds
the database while it is written.
"""

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from reviews.models import (
    CP_PLAN,
    DECISIONS,
    DELAY_REASONS,
    LOCATIONS,
    NOT_NOTIFIABLE,
    PUBLISH_TYPES,
    STAGES,
    IncidentChild,
    PublicationDelay,
    SeriousIncident,
)
from reviews.services import lists, notifications
from tracker import deadline_service, deadlines
from tracker.deadline_models import Deadline
from tracker.excel import DATE, Column, ExportSheet
from tracker.extensions import db
from tracker.models import Partnership
from tracker.short_reads import in_short_reads

Incident = SeriousIncident

_BEFORE = [
    Column("Partnership", width=12), Column("Stage", width=20),
    Column("Died or seriously harmed", width=18), Column("Incident", DATE),
    Column("Local authority aware", DATE), Column("Abuse or neglect suspected"),
    Column("Abuse or neglect known or suspected from", DATE),
    Column("Notifiable to the Panel", width=40),
    Column("Looked after"), Column("Care leaver"), Column("Age at death", width=14),
    Column("Child protection plan", width=24),
    Column("Where", width=30), Column("Panel notified", DATE),
    Column("Panel reference", width=16), Column("Partners notified", DATE),
    Column("Secretary of State and Ofsted notified", DATE),
    Column("Rapid review sent", DATE), Column("Panel response", DATE),
    Column("Decision", width=36), Column("Decision made", DATE),
    Column("Panel's decision on a national review", DATE),
    Column("Panel told of the decision", DATE), Column("Ofsted told of the decision", DATE),
    Column("Department for Education told of the decision", DATE),
    Column("Converted from the rapid review"), Column("Planned publication", DATE),
    Column("Copies sent", DATE), Column("Copy sent to Ofsted", DATE),
    Column("Published in full", width=30), Column("Why not in full: justification sent", DATE),
    Column("Published", DATE),
    Column("Publication delayed because", width=30, wrap=True),
]
DEADLINE_COLUMNS = [
    Column("Reference", width=22), Column("Child", width=12),
    Column("Deadline", width=60), Column("Starts from", DATE), Column("Due", DATE),
    Column("Met", DATE), Column("Status", width=16), Column("Reason recorded", width=40),
]


def incident_columns(with_identity: bool) -> list[Column]:
    """The incident sheet's columns; the child's real name only when asked for."""
    name = [Column("Child's name", width=24)] if with_identity else []
    return [Column("Reference", width=22), Column("Previous reference", width=22),
            Column("Child", width=12), *name, *_BEFORE]


def tracker_sheets(filters: lists.TrackerFilters, partnership_ids, today: date, *,
                   with_identity: bool) -> list[ExportSheet]:
    """The incidents the tracker list shows (its filters and order), and their deadlines."""
    ids = sorted(partnership_ids)
    matching = lists.filtered_incidents(filters, ids, today)
    codes = dict(db.session.execute(
        sa.select(Partnership.id, Partnership.code).where(Partnership.id.in_(ids))).all())
    return [
        ExportSheet("Practice reviews", incident_columns(with_identity),
                    _incident_rows(matching, filters, codes, with_identity)),
        ExportSheet("Deadlines", DEADLINE_COLUMNS,
                    _deadline_rows(matching, filters, today, deadline_service.load_rules(ids))),
    ]


def count_incidents(filters: lists.TrackerFilters, partnership_ids, today: date,
                    limit: int) -> int:
    """How many incidents the export would hold, counting no further than `limit` (cheap)."""
    matching = lists.filtered_incidents(filters, sorted(partnership_ids), today)
    capped = matching.with_only_columns(Incident.id).order_by(None).limit(limit).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(capped))


def _ordered(matching, filters):
    """The matching incidents as an aliased entity and the list's order over it."""
    row = so.aliased(Incident, matching.subquery("matching"))
    sort = filters.sort if filters.sort in lists.SORTS else "la_aware_on"
    # The list's own order (reference, stage or date aware, then id).
    return row, lists._order(row, sort, filters.descending)  # noqa: SLF001


def _latest_delay(incident_id):
    """The reason of an incident's latest publication delay (a correlated subquery)."""
    return (sa.select(PublicationDelay.reason)
            .where(PublicationDelay.incident_id == incident_id)
            .order_by(PublicationDelay.recorded_on.desc(), PublicationDelay.id.desc())
            .limit(1).scalar_subquery())


def _incident_rows(matching, filters, codes, with_identity):
    """Each incident as a row of the incident sheet (read in short chunks)."""
    row, order = _ordered(matching, filters)
    statement = sa.select(row, _latest_delay(row.id).label("delay"))
    if with_identity:
        statement = statement.add_columns(IncidentChild.full_name).outerjoin(
            IncidentChild, IncidentChild.incident_id == row.id)
    statement = statement.order_by(*order)
    for found in in_short_reads(statement, row.id, sa.select(row.id).order_by(*order)):
        incident = found[0]
        name = [found.full_name] if with_identity else []
        # Once published, a delay is history (the review page keeps it), as on the list.
        delay = None if incident.published_on else DELAY_REASONS.get(found.delay, found.delay)
        yield (incident.reference, incident.previous_reference, incident.child_reference, *name,
               *_incident_values(incident, codes, with_identity), delay)
        db.session.expunge(incident)  # keep the session's identity map small


# A care leaver's age at death in bands without the child's name: an exact age beside the
# pseudonym, the dates and the area would single a young person out (as the child death
# export gives an age band).
AGE_BANDS = ((17, "Under 18"), (20, "18 to 20"), (24, "21 to 24"))


def age_at_death(years: int | None, exact: bool):
    """The age at death as exported: exact with the child's name, else its band."""
    if years is None or exact:
        return years
    return next((band for top, band in AGE_BANDS if years <= top), "25 or over")


def _incident_values(incident, codes, with_identity: bool = False) -> list:
    """The incident's stage, its flags and the dates its clocks hang on."""
    return [codes.get(incident.partnership_id), STAGES.get(incident.stage, incident.stage),
            "Died" if incident.child_died else "Seriously harmed", incident.incident_date,
            incident.la_aware_on, incident.abuse_or_neglect_suspected,
            incident.abuse_or_neglect_known_on,
            "Yes" if incident.notifiable else f"{NOT_NOTIFIABLE}: {incident.not_notifiable_reason}",
            incident.looked_after, incident.care_leaver,
            age_at_death(incident.age_at_death_years, with_identity),
            CP_PLAN.get(incident.cp_plan or "", incident.cp_plan),
            LOCATIONS.get(incident.location or "", incident.location),
            incident.panel_notified_on, incident.panel_reference,
            incident.partners_notified_on, incident.sos_ofsted_notified_on,
            incident.rapid_review_sent_on, incident.panel_response_on,
            DECISIONS.get(incident.decision or "", incident.decision), incident.decision_on,
            incident.panel_decision_on, incident.decision_informed_on,
            incident.decision_ofsted_told_on, incident.decision_dfe_told_on,
            incident.converted, incident.planned_publication_on, incident.copies_sent_on,
            incident.ofsted_copy_sent_on, _in_full(incident), incident.justification_sent_on,
            incident.published_on]


def _in_full(incident) -> str | None:
    """Whether the report is (to be) published in full; the justification's own words stay
    on the review page (free text that may identify the family)."""
    if incident.publish_type is None:
        return None
    return "Yes" if incident.publish_type == "full" else \
        f"No: {PUBLISH_TYPES['improvements'].lower()}"


def _deadline_rows(matching, filters, today, rules):
    """Every stored deadline of the matching incidents, in the list's order then by due date."""
    row, order = _ordered(matching, filters)
    late_columns = sorted({notice.reason_column for notice in LATE_NOTICES})
    statement = (
        sa.select(row.reference, row.child_reference, Deadline,
                  *[getattr(row, column).label(column) for column in late_columns],
                  _latest_delay(row.id).label("delay"))
        .join(Deadline, sa.and_(Deadline.owner_type == lists.OWNER,
                                Deadline.owner_id == row.id))
        .order_by(*order, Deadline.due_date, Deadline.id)
    )
    keys = sa.select(row.id).order_by(*order)
    for found in in_short_reads(statement, row.id, keys):
        stored = found.Deadline
        status = deadline_service.status_of(stored, today, rules.get(stored.partnership_id))
        yield (found.reference, found.child_reference,
               deadlines.get_rule(stored.rule_key, stored.edition).label,
               stored.trigger_date, stored.extended_to or stored.due_date, stored.met_on,
               status.label, _reason_recorded(stored, found))
        db.session.expunge(stored)


# The notifications whose lateness the business unit explains on the incident's form.
LATE_NOTICES = (*notifications.NOTICES, notifications.CARE_LEAVER_NOTICE)
# The publication deadline a publication delay explains.
PUBLICATION_RULES = ("cspr_publication",)


def _reason_recorded(stored, found):
    """The reason recorded against a deadline: why it does not apply, is paused or was
    extended, else why it was met late (a notification) or is delayed (publication)."""
    reason = (stored.not_applicable_reason or stored.paused_reason
              or stored.extension_reason)
    if reason:
        return reason
    for notice in LATE_NOTICES:
        if stored.rule_key == notice.rule_key and getattr(found, notice.reason_column):
            return f"Late: {getattr(found, notice.reason_column)}"
    if stored.rule_key in PUBLICATION_RULES and found.delay:
        return f"Delayed: {DELAY_REASONS.get(found.delay, found.delay)}"
    return None
