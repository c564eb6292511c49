"""Stored deadlines: built from a case's dates, kept in step, recomputed in bulk."""

import itertools
from datetime import date

import sqlalchemy as sa
from flask import render_template_string

from cdr.models import ChildDeathCase
from reviews.models import SeriousIncident
from tracker import deadline_bulk, deadline_service
from tracker.audit import AuditEvent
from tracker.deadline_models import Deadline
from tracker.deadlines import DeadlineStatus
from tracker.demo import seed_cases
from tracker.domains import all_case_deadlines
from tracker.extensions import db
from tracker.models import ClosureDay, RuleOverride

_numbers = itertools.count(1)


def make_death(partnership, **fields):
    """A saved child death case with its deadlines synced."""
    values = {
        "partnership_id": partnership.id,
        "reference": f"CDOP-T-{next(_numbers)}",
        "date_of_death": date(2025, 3, 1),
        "notification_received_on": date(2025, 3, 2),
        **fields,
    }
    case = ChildDeathCase(**values)
    db.session.add(case)
    deadline_service.sync_case(case)
    db.session.commit()
    return case


def make_incident(partnership, **fields):
    """A saved serious incident with its deadlines synced."""
    values = {
        "partnership_id": partnership.id,
        "reference": f"CSPR-T-{next(_numbers)}",
        "incident_date": date(2024, 12, 20),
        "la_aware_on": date(2024, 12, 23),
        **fields,
    }
    incident = SeriousIncident(**values)
    db.session.add(incident)
    deadline_service.sync_case(incident)
    db.session.commit()
    return incident


def update(case, **fields):
    """Change a case's dates the way a form will: set them, sync, commit."""
    for name, value in fields.items():
        setattr(case, name, value)
    deadline_service.sync_case(case)
    db.session.commit()


def stored(case):
    """The case's stored deadlines, by rule."""
    rows = db.session.scalars(sa.select(Deadline).where(deadline_service.deadlines_of(case))).all()
    return {row.rule_key: row for row in rows}


# --- sync_case -------------------------------------------------------------------------------


def test_a_child_death_with_a_joint_agency_response_gets_every_deadline(partnership):
    case = make_death(
        partnership,
        date_of_death=date(2025, 3, 1),
        death_registered_on=date(2025, 12, 19),
        registrar_notified_on=date(2025, 12, 22),
        coroner_decision_on=date(2020, 5, 7),
        jar_required=True,
        post_mortem_results_on=date(2025, 4, 17),
    )

    rows = stored(case)

    assert set(rows) == {
        "registrar_notification", "coroner_notification",
        "rr_meeting_1", "rr_meeting_2", "rr_meeting_3",
    }
    # Seven calendar days: lands on Boxing Day and is not moved.
    assert rows["registrar_notification"].due_date == date(2025, 12, 26)
    assert rows["registrar_notification"].met_on == date(2025, 12, 22)
    # Three working days from Thu 7 May 2020, skipping the VE Day bank holiday on Fri 8 May.
    assert rows["coroner_notification"].due_date == date(2020, 5, 13)
    assert rows["coroner_notification"].met_on is None
    windows = {key: (rows[key].earliest_date, rows[key].due_date) for key in rows if "rr" in key}
    assert windows == {
        "rr_meeting_1": (date(2025, 3, 2), date(2025, 3, 6)),
        "rr_meeting_2": (date(2025, 3, 6), date(2025, 3, 8)),
        # 10 working days from the post-mortem results (Thu 17 Apr 2025): Easter and the
        # early May bank holiday skipped.
        "rr_meeting_3": (None, date(2025, 5, 6)),
    }
    assert all(row.partnership_id == partnership.id for row in rows.values())
    # Died in 2025: the edition in force is Working Together 2023.
    assert all(row.edition == "WT2023" for row in rows.values())


def test_deadlines_wait_for_the_date_that_starts_them(partnership):
    case = make_death(partnership, jar_required=False)

    assert stored(case) == {}

    update(case, death_registered_on=date(2025, 3, 4))

    assert stored(case)["registrar_notification"].due_date == date(2025, 3, 11)


def test_rapid_response_meetings_come_and_go_with_the_joint_agency_response(partnership):
    case = make_death(partnership, jar_required=False, death_registered_on=date(2025, 3, 4))
    assert "rr_meeting_1" not in stored(case)

    update(case, jar_required=True)
    assert {"rr_meeting_1", "rr_meeting_2"} <= set(stored(case))
    assert "rr_meeting_3" not in stored(case)  # waits for the post-mortem results
    update(case, post_mortem_results_on=date(2025, 5, 20))
    assert "rr_meeting_3" in stored(case)

    update(case, jar_required=False)
    assert set(stored(case)) == {"registrar_notification"}


def test_an_incident_found_out_before_christmas_is_due_after_new_year(partnership):
    incident = make_incident(
        partnership, la_aware_on=date(2024, 12, 23), panel_notified_on=date(2024, 12, 30)
    )

    rows = stored(incident)

    assert rows["panel_notification"].due_date == date(2025, 1, 2)
    assert rows["panel_notification"].met_on == date(2024, 12, 30)
    assert rows["partners_notification"].due_date == date(2025, 1, 2)
    # 15 working days from Mon 30 Dec 2024, New Year's Day skipped.
    assert rows["rapid_review"].trigger_date == date(2024, 12, 30)
    assert rows["rapid_review"].due_date == date(2025, 1, 21)
    assert "sos_ofsted_lac_notification" not in rows


def test_a_changed_trigger_date_moves_the_same_stored_deadline_and_is_audited(partnership):
    incident = make_incident(partnership, la_aware_on=date(2024, 12, 23))
    before = stored(incident)["panel_notification"]
    deadline_id = before.id

    update(incident, la_aware_on=date(2022, 9, 16))

    after = stored(incident)["panel_notification"]
    assert after.id == deadline_id
    # Fri 16 September 2022: the Queen's funeral on Mon 19 September is skipped.
    assert after.due_date == date(2022, 9, 26)
    audit = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.object_type == "Deadline",
            AuditEvent.object_id == str(deadline_id),
            AuditEvent.action == "update",
        )
    ).all()
    assert audit and audit[-1].changes["due_date"] == ["2025-01-02", "2022-09-26"]


def test_the_death_of_a_looked_after_child_adds_the_secretary_of_state_notification(partnership):
    harmed = make_incident(partnership, looked_after=True, child_died=False)
    died = make_incident(partnership, looked_after=True, child_died=True)

    assert "sos_ofsted_lac_notification" not in stored(harmed)
    assert stored(died)["sos_ofsted_lac_notification"].due_date == date(2025, 1, 2)


def test_the_review_decision_decides_which_publication_deadlines_apply(partnership):
    incident = make_incident(partnership)

    update(
        incident,
        decision="local",
        decision_on=date(2025, 8, 31),
        planned_publication_on=date(2026, 1, 5),
    )
    rows = stored(incident)
    assert rows["cspr_publication"].due_date == date(2026, 2, 28)
    assert rows["cspr_prepublication_copies"].due_date == date(2025, 12, 22)
    assert "national_publication" not in rows

    update(incident, copies_sent_on=date(2025, 12, 19), published_on=date(2026, 1, 5))
    rows = stored(incident)
    assert rows["cspr_prepublication_copies"].met_on == date(2025, 12, 19)
    assert rows["cspr_publication"].met_on == date(2026, 1, 5)
    assert rows["cspr_public_until"].due_date == date(2027, 1, 5)

    # A national review's clock starts at the Panel's decision, not the partners' date.
    update(incident, decision="national", panel_decision_on=date(2025, 9, 15))
    rows = stored(incident)
    assert "cspr_publication" not in rows and "cspr_prepublication_copies" not in rows
    assert rows["national_publication"].due_date == date(2026, 3, 15)
    assert rows["national_public_until"].due_date == date(2029, 1, 5)

    update(incident, decision="none")
    assert not {"cspr_publication", "national_publication"} & set(stored(incident))


def test_a_reason_recorded_on_a_deadline_survives_a_date_change(partnership):
    incident = make_incident(
        partnership, decision="local", decision_on=date(2025, 8, 31)
    )
    row = stored(incident)["cspr_publication"]
    row.paused_reason = "Criminal investigation"
    db.session.commit()

    update(incident, decision_on=date(2025, 9, 30))

    row = stored(incident)["cspr_publication"]
    assert row.due_date == date(2026, 3, 30)
    assert row.paused_reason == "Criminal investigation"


def test_synced_deadlines_use_the_partnerships_closure_days_and_overrides(partnership):
    partnership.closure_days.append(ClosureDay(day=date(2024, 12, 24), description="Closed"))
    partnership.overrides.append(
        RuleOverride(rule_key="sos_ofsted_lac_notification", amount=10, reason="Local agreement")
    )
    partnership.overrides.append(
        RuleOverride(rule_key="partners_notification", amount=10, reason="Stored before 0015",
                     switched_off_on=date(2026, 1, 5))
    )
    db.session.commit()

    rows = stored(make_incident(partnership, la_aware_on=date(2024, 12, 23), child_died=True,
                                looked_after=True))

    # Statutory guidance: weekends and bank holidays only, and no partnership's own amount.
    assert rows["panel_notification"].due_date == date(2025, 1, 2)
    assert rows["partners_notification"].due_date == date(2025, 1, 2)
    # Local practice: 10 working days, 24 December closed: 27, 30, 31 Dec, 2, 3, 6 to 10 Jan.
    assert rows["sos_ofsted_lac_notification"].due_date == date(2025, 1, 10)


# --- recompute_partnership and recompute_all -------------------------------------------------


def test_recompute_partnership_moves_only_that_partnerships_deadlines(
    partnership, other_partnership
):
    looked_after = {"la_aware_on": date(2024, 12, 23), "child_died": True, "looked_after": True}
    ours = make_incident(partnership, **looked_after)
    theirs = make_incident(other_partnership, **looked_after)
    partnership.closure_days.append(ClosureDay(day=date(2024, 12, 24), description="Closed"))

    moved = deadline_bulk.rules_changed(partnership)
    db.session.commit()

    assert moved == 1  # the local one: the Secretary of State and Ofsted
    key = "sos_ofsted_lac_notification"
    assert stored(ours)[key].due_date == date(2025, 1, 3)
    assert stored(ours)[key].rules_version == partnership.rules_version == 1
    assert stored(ours)["panel_notification"].due_date == date(2025, 1, 2)
    assert stored(theirs)[key].due_date == date(2025, 1, 2)


def test_recompute_all_reports_only_the_deadlines_that_moved(partnership):
    make_incident(partnership, la_aware_on=date(2024, 12, 23), child_died=True,
                  looked_after=True)
    assert deadline_bulk.recompute_all() == 0

    db.session.add(
        RuleOverride(partnership=partnership, rule_key="sos_ofsted_lac_notification", amount=3,
                     reason="Test")
    )
    db.session.commit()

    assert deadline_bulk.recompute_all() == 1
    due = db.session.scalar(
        sa.select(Deadline.due_date).where(Deadline.rule_key == "sos_ofsted_lac_notification")
    )
    assert due == date(2024, 12, 30)


# --- rebuild_all -----------------------------------------------------------------------------


def _all_rows():
    columns = (
        Deadline.owner_type, Deadline.owner_id, Deadline.rule_key, Deadline.partnership_id,
        Deadline.edition, Deadline.trigger_date, Deadline.earliest_date, Deadline.due_date,
        Deadline.met_on, Deadline.rules_version,
    )
    return set(db.session.execute(sa.select(*columns)).all())


def test_rebuild_all_gives_the_same_rows_as_syncing_each_case(partnership, other_partnership):
    partnership.closure_days.append(ClosureDay(day=date(2024, 12, 24), description="Closed"))
    partnership.overrides.append(
        RuleOverride(rule_key="rapid_review", amount=20, reason="Local agreement")
    )
    partnership.rules_version = 3
    db.session.commit()

    seed_cases(200, random_seed=7, today=date(2025, 6, 30))  # calls rebuild_all
    rebuilt = _all_rows()
    # Syncing every record of every registered mapping (cases, agency requests, yearly
    # reports) one by one must find nothing to add, change or remove.
    for mapping in all_case_deadlines():
        for record in db.session.scalars(sa.select(mapping.model)):
            deadline_service.sync_case(record)
    db.session.commit()

    assert len(rebuilt) > 400
    assert {row.rule_key for row in rebuilt} >= {
        "registrar_notification", "coroner_notification", "rr_meeting_1",
        "panel_notification", "rapid_review", "cspr_publication",
    }
    assert _all_rows() == rebuilt


def test_rebuild_all_is_idempotent_and_repairs_stale_rows(partnership):
    incident = make_incident(partnership, la_aware_on=date(2024, 12, 23))
    assert deadline_bulk.rebuild_all() == (0, 0, 0)

    db.session.execute(
        sa.update(Deadline)
        .where(Deadline.rule_key == "panel_notification")
        .values(due_date=date(2030, 1, 1))
    )
    db.session.execute(sa.delete(Deadline).where(Deadline.rule_key == "partners_notification"))
    db.session.commit()

    assert deadline_bulk.rebuild_all() == (1, 1, 0)
    rows = stored(incident)
    assert rows["panel_notification"].due_date == date(2025, 1, 2)
    assert rows["partners_notification"].due_date == date(2025, 1, 2)


# --- status ----------------------------------------------------------------------------------


def test_status_of_a_stored_deadline_renders_as_the_right_tag(app, partnership):
    incident = make_incident(
        partnership, la_aware_on=date(2024, 12, 23), partners_notified_on=date(2025, 1, 6)
    )
    rows = stored(incident)
    template = (
        '{% from "components/deadline_tag.html" import deadline_tag %}'
        "{{ deadline_tag(status) }}"
    )

    def tag(rule_key, today):
        status = deadline_service.status_of(rows[rule_key], today, partnership)
        with app.test_request_context():
            return render_template_string(template, status=status)

    assert "Due soon" in tag("panel_notification", date(2024, 12, 31))
    assert "govuk-tag--yellow" in tag("panel_notification", date(2024, 12, 31))
    assert "Not yet due" in tag("panel_notification", date(2024, 12, 23))
    assert "Due today" in tag("panel_notification", date(2025, 1, 2))
    assert "Overdue" in tag("panel_notification", date(2025, 1, 3))
    assert "govuk-tag--red" in tag("panel_notification", date(2025, 1, 3))
    assert "Met late" in tag("partners_notification", date(2025, 1, 6))


def test_a_report_kept_public_long_enough_is_never_overdue(partnership):
    incident = make_incident(
        partnership, decision="local", decision_on=date(2025, 1, 6), published_on=date(2025, 6, 2)
    )
    keep_until = stored(incident)["cspr_public_until"]

    status = deadline_service.status_of
    assert status(keep_until, date(2026, 1, 1), partnership) == DeadlineStatus.NOT_YET_DUE
    assert status(keep_until, date(2026, 6, 3), partnership) == DeadlineStatus.MET_ON_TIME
    open_rules = db.session.scalars(
        sa.select(Deadline.rule_key).where(deadline_service.open_deadlines())
    ).all()
    assert "cspr_public_until" not in open_rules
    assert "panel_notification" in open_rules


# --- Upgrading a database stored under the old weekend rule ----------------------------------


def test_flask_deadlines_recompute_corrects_deadlines_stored_from_non_working_triggers(
    partnership, runner
):
    """Before issue 11 a non-working trigger counted from the next working day (one too late).

    A database written then holds those later dates; the documented upgrade step is
    `flask deadlines recompute`, which must move exactly the rows whose trigger was not a
    working day, and say how many it moved.
    """
    partnership.closure_days.append(ClosureDay(day=date(2025, 12, 24), description="Closed"))
    db.session.commit()
    saturday = make_incident(partnership, incident_date=date(2024, 12, 20),
                             la_aware_on=date(2024, 12, 21))
    holiday = make_incident(partnership, incident_date=date(2025, 4, 17),
                            la_aware_on=date(2025, 4, 18))  # Good Friday
    closure = make_incident(partnership, incident_date=date(2025, 12, 23),
                            la_aware_on=date(2025, 12, 24))  # the partnership's closure day
    weekday = make_incident(partnership, la_aware_on=date(2024, 12, 23))
    # What the old calendar stored (day 0 was the next working day, so one working day later).
    old = {
        saturday.id: date(2025, 1, 2),  # was Tue 31 Dec 2024
        holiday.id: date(2025, 4, 29),  # was Mon 28 Apr 2025
        closure.id: date(2026, 1, 6),  # was Mon 5 Jan 2026 (closed 24 Dec, holidays 25-26 Dec)
    }
    expected = {incident.id: stored(incident)["panel_notification"].due_date
                for incident in (saturday, holiday, closure, weekday)}
    assert expected[saturday.id] == date(2024, 12, 31)
    assert expected[holiday.id] == date(2025, 4, 28)
    assert expected[closure.id] == date(2026, 1, 5)
    for incident_id, due in old.items():
        db.session.execute(
            sa.update(Deadline)
            .where(Deadline.owner_type == "serious_incident", Deadline.owner_id == incident_id,
                   Deadline.rule_key == "panel_notification")
            .values(due_date=due)
        )
    db.session.commit()

    result = runner.invoke(args=["deadlines", "recompute"])

    assert result.exit_code == 0, result.output
    assert "3 stored deadlines changed." in result.output
    db.session.expire_all()
    for incident in (saturday, holiday, closure, weekday):
        assert stored(incident)["panel_notification"].due_date == expected[incident.id]
    assert runner.invoke(args=["deadlines", "recompute"]).output.startswith(
        "0 stored deadlines changed."
    )
