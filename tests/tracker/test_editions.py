"""Which rules edition a case follows: the one in force on the day its clock started."""

from datetime import date

import pytest
import sqlalchemy as sa

from cdr.models import ChildIdentity
from cdr.services import requests as request_service
from tests.cdr.factories import make_case
from tests.cdr.test_stale_edit import day, open_form, save
from tests.reviews.factories import make_incident as make_review_incident
from tests.tracker.test_deadline_service import make_death, make_incident, stored, update
from tracker import deadline_bulk, deadline_service, deadlines
from tracker.deadline_models import Deadline
from tracker.extensions import db


def test_the_edition_in_force_changes_on_15_december_2023():
    switch = date(2023, 12, 15)
    assert deadlines.edition_in_force(date(2023, 12, 14), switch) == "WT2018"
    assert deadlines.edition_in_force(switch, switch) == "WT2023"
    assert deadlines.CURRENT_EDITION == "WT2023"


@pytest.mark.parametrize(("died", "edition"), [(date(2023, 12, 14), "WT2018"),
                                               (date(2023, 12, 15), "WT2023")])
def test_a_death_follows_the_edition_in_force_on_the_day_the_child_died(partnership, died,
                                                                       edition):
    case = make_death(partnership, date_of_death=died, notification_received_on=died,
                      jar_required=True)

    assert case.rules_edition == edition
    assert {row.edition for row in stored(case).values()} == {edition}


def test_the_switch_date_is_the_apps_setting(app, partnership):
    app.config["RULES_WT2023_FROM"] = date(2024, 1, 1)
    case = make_death(partnership, date_of_death=date(2023, 12, 20),
                      notification_received_on=date(2023, 12, 20), jar_required=True)

    assert case.rules_edition == "WT2018"
    app.config["RULES_WT2023_FROM"] = date(2023, 12, 1)
    deadline_service.sync_case(case)
    db.session.commit()
    assert case.rules_edition == "WT2023"
    assert {row.edition for row in stored(case).values()} == {"WT2023"}


def test_correcting_the_date_of_death_across_the_switch_moves_the_case_and_keeps_what_was_recorded(
    partnership,
):
    case = make_death(partnership, date_of_death=date(2023, 12, 14),
                      notification_received_on=date(2023, 12, 15), jar_required=True,
                      death_registered_on=date(2023, 12, 18),
                      registrar_notified_on=date(2023, 12, 20))
    request = request_service.add_request(case, agency="School", sent_on=date(2024, 1, 2))
    db.session.commit()
    rows = stored(case)
    rows["rr_meeting_1"].met_on = date(2023, 12, 18)
    rows["rr_meeting_2"].extended_to = date(2024, 1, 31)
    rows["rr_meeting_2"].extension_reason = "Family asked to wait"
    db.session.commit()
    assert (case.rules_edition, request.rules_edition) == ("WT2018", "WT2018")

    update(case, date_of_death=date(2023, 12, 15))

    rows = stored(case)
    assert case.rules_edition == request.rules_edition == "WT2023"
    assert {row.edition for row in rows.values()} == {"WT2023"}
    assert rows["rr_meeting_1"].met_on == date(2023, 12, 18)
    assert rows["registrar_notification"].met_on == date(2023, 12, 20)
    assert (rows["rr_meeting_2"].extended_to, rows["rr_meeting_2"].extension_reason) == (
        date(2024, 1, 31), "Family asked to wait")
    request_row = db.session.scalar(sa.select(Deadline).where(
        Deadline.owner_type == "cdr_agency_request", Deadline.owner_id == request.id))
    assert request_row.edition == "WT2023"
    assert request_row.due_date == deadlines.due_date("agency_information_request",
                                                      date(2024, 1, 2), edition="WT2018")

    update(case, date_of_death=date(2023, 12, 14))
    assert case.rules_edition == request.rules_edition == "WT2018"
    assert stored(case)["rr_meeting_1"].met_on == date(2023, 12, 18)


def test_an_incident_follows_the_day_the_local_authority_became_aware(partnership):
    before = make_incident(partnership, incident_date=date(2023, 12, 10),
                           la_aware_on=date(2023, 12, 14), abuse_or_neglect_suspected=True)
    after = make_incident(partnership, incident_date=date(2023, 12, 10),
                          la_aware_on=date(2023, 12, 15), abuse_or_neglect_suspected=True)

    assert (before.rules_edition, after.rules_edition) == ("WT2018", "WT2023")
    assert {row.edition for row in stored(after).values()} == {"WT2023"}


def test_the_bulk_rebuild_sets_the_editions_sync_case_would(partnership):
    case = make_death(partnership, date_of_death=date(2023, 12, 15),
                      notification_received_on=date(2023, 12, 15), jar_required=True)
    request = request_service.add_request(case, agency="School", sent_on=date(2024, 1, 2))
    db.session.commit()
    stored(case)["rr_meeting_1"].met_on = date(2023, 12, 18)
    db.session.commit()
    # As a case stood before editions were chosen by date.
    db.session.execute(sa.update(case.__table__).values(rules_edition="WT2018"))
    db.session.execute(sa.update(request.__table__).values(rules_edition="WT2018"))
    db.session.execute(sa.update(Deadline.__table__).values(edition="WT2018"))
    db.session.commit()

    deadline_bulk.rebuild_all()

    assert case.rules_edition == request.rules_edition == "WT2023"
    assert set(db.session.scalars(sa.select(Deadline.edition))) == {"WT2023"}
    assert stored(case)["rr_meeting_1"].met_on == date(2023, 12, 18)


def test_every_2018_rule_keeps_its_arithmetic_in_2023_and_the_new_rules_are_2023_only():
    old, new = deadlines.RULESETS["WT2018"], deadlines.RULESETS["WT2023"]
    assert set(new) - set(old) == {"care_leaver_death_notification",
                                   "cspr_prepublication_ofsted"}
    assert set(old) <= set(new)
    for key, rule in old.items():
        shared = ("unit", "amount", "earliest_amount", "direction", "duty", "domain", "owner")
        assert [getattr(new[key], f) for f in shared] == [getattr(rule, f) for f in shared], key
        for start in (date(2024, 12, 20), date(2025, 3, 28), date(2026, 8, 31)):
            assert deadlines.window(key, start, edition="WT2023") == deadlines.window(
                key, start, edition="WT2018"), key


# --- Pages -----------------------------------------------------------------------------------


def test_the_case_page_says_which_edition_the_deadlines_follow(cdop_client, partnership, call):
    old = make_case(partnership, date_of_death=date(2023, 12, 14),
                    notification_received_on=date(2023, 12, 14))
    new = make_case(partnership, date_of_death=date(2023, 12, 15),
                    notification_received_on=date(2023, 12, 15))

    shown = call(cdop_client, "cdr.case", case_id=old.id).text("#rules-edition")
    assert shown.startswith("Deadlines follow Working Together 2018")
    assert "The edition in force when the clock started" in shown
    assert "15 December 2023" in shown
    shown = call(cdop_client, "cdr.case", case_id=new.id).text("#rules-edition")
    assert shown.startswith("Deadlines follow Working Together 2023")


def test_the_review_page_says_which_edition_the_deadlines_follow(business_client, partnership,
                                                                 call):
    old = make_review_incident(partnership, incident_date=date(2023, 12, 1),
                               la_aware_on=date(2023, 12, 14))
    new = make_review_incident(partnership, incident_date=date(2025, 12, 1),
                               la_aware_on=date(2025, 12, 2))

    shown = call(business_client, "reviews.incident", incident_id=old.id).text("#rules-edition")
    assert shown.startswith("Deadlines follow Working Together 2018")
    shown = call(business_client, "reviews.incident", incident_id=new.id).text("#rules-edition")
    assert shown.startswith("Deadlines follow Working Together 2023")


def test_2023_citations_name_a_chapter_and_their_source_never_an_unread_paragraph():
    for rule in deadlines.all_rules("WT2023"):
        if "Working Together 2023" in rule.citation:
            assert "paragraph" not in rule.citation, rule.key
            assert "chapter" in rule.citation and "secondary" in rule.citation, rule.key
    assert "chapter 2 (multi-agency safeguarding arrangements)" in deadlines.get_rule(
        "yearly_report").citation
    assert deadlines.get_rule("registrar_notification").citation.startswith(
        "Children and Young Persons Act 2008 section 31")
    assert deadlines.get_rule("rapid_review").citation.startswith(
        "Child Safeguarding Practice Review Panel")


def test_correcting_the_date_of_death_on_the_details_form_moves_the_edition(
        cdop_client, partnership, call, clock):
    clock.set(date(2024, 1, 10))
    case = make_case(partnership, date_of_death=date(2023, 12, 15),
                     notification_received_on=date(2023, 12, 18), place_of_death="home",
                     death_expected="no", sex="female", jar_required=True)
    identity = case_identity(case)
    identity.date_of_birth = date(2020, 5, 1)
    stored(case)["rr_meeting_1"].met_on = date(2023, 12, 18)
    db.session.commit()
    assert case.rules_edition == "WT2023"

    page = save(cdop_client, case, open_form(cdop_client, call, case),
                date_of_death=day(date(2023, 12, 14)))

    assert page.status == 302
    db.session.refresh(case)
    assert case.rules_edition == "WT2018"
    rows = stored(case)
    assert {row.edition for row in rows.values()} == {"WT2018"}
    assert rows["rr_meeting_1"].met_on == date(2023, 12, 18)
    shown = call(cdop_client, "cdr.case", case_id=case.id).text("#rules-edition")
    assert shown.startswith("Deadlines follow Working Together 2018")


def case_identity(case):
    return db.session.scalar(sa.select(ChildIdentity).where(ChildIdentity.case_id == case.id))
