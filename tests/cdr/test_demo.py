"""Demo child death cases: every stage, invented children, test-range NHS numbers."""

from datetime import date

import sqlalchemy as sa
from nhs_number import is_valid

from cdr.models import (
    STAGES,
    AgencyRequest,
    CaseAgency,
    ChildDeathCase,
    ChildIdentity,
    PanelItem,
)
from tests.cdr.factories import make_case
from tests.workbooks import download
from tracker import deadline_bulk, demo
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.models import Partnership


def test_demo_cases_cover_every_stage_with_invented_children(app):
    demo.seed_people()
    demo.seed_cases(400, today=date(2026, 11, 23))

    stages = set(db.session.scalars(sa.select(ChildDeathCase.stage)))
    assert stages == set(STAGES)
    children = db.session.execute(sa.select(ChildIdentity.given_names,
                                            ChildIdentity.family_name,
                                            ChildIdentity.nhs_number)).all()
    assert len(children) == db.session.scalar(sa.select(sa.func.count(ChildDeathCase.id)))
    for given, family, nhs in children:
        assert f"{given} {family}".startswith("Demo Child ")
        assert nhs is None or (nhs.startswith("999") and is_valid(nhs))
    assert len({nhs for *_, nhs in children}) == len(children)
    assert db.session.scalar(sa.select(sa.func.count(PanelItem.id))) > 0
    assert db.session.scalar(sa.select(sa.func.count(AgencyRequest.id)).where(
        AgencyRequest.returned_on.is_(None))) > 0


def test_demo_deadlines_are_what_a_rebuild_gives_and_held_meetings_meet_theirs(app):
    demo.seed_people()
    demo.seed_cases(200, today=date(2026, 11, 23))

    assert deadline_bulk.rebuild_all() == deadline_bulk.Rebuilt(0, 0, 0)
    met = db.session.scalar(sa.select(sa.func.count(Deadline.id)).where(
        Deadline.rule_key == "rr_meeting_1", Deadline.met_on.is_not(None)))
    assert met > 0


def test_seeding_again_adds_more_and_new_cases_can_still_be_recorded(app):
    demo.seed_people()
    demo.seed_cases(20, today=date(2026, 11, 23))
    demo.seed_cases(20, today=date(2026, 11, 23))
    # Ids were given by the seeder: a case recorded afterwards still gets a fresh one.
    partnership = db.session.scalar(sa.select(Partnership).where(Partnership.code == "NSP"))
    case = make_case(partnership)

    references = db.session.scalars(sa.select(ChildDeathCase.reference)).all()
    assert len(references) == len(set(references)) == 21
    assert case.id == max(db.session.scalars(sa.select(ChildDeathCase.id)))


def test_demo_cases_show_the_national_forms_fields(app):
    """`make run`'s data holds last session's fields: an unexpected death with the JAR,
    involved agencies, no post-mortem, an inquest with a prevention of future deaths report,
    key worker and bereavement support, core and supplementary reporting forms from several
    agencies, a draft and a confirmed analysis, and cases sent and not sent to the NCMD."""
    demo.seed_people()
    demo.seed_cases(200, today=date(2026, 11, 23))

    def cases(*where):
        return db.session.scalar(sa.select(sa.func.count(ChildDeathCase.id)).where(*where))

    jar = ChildDeathCase.jar_required.is_(True)
    assert cases(jar, ChildDeathCase.death_expected == "no") > 0
    assert cases(jar, ChildDeathCase.death_expected != "no") == 0
    assert cases(ChildDeathCase.no_post_mortem.is_not(None),
                 ChildDeathCase.no_post_mortem_on.is_not(None)) > 0
    assert cases(ChildDeathCase.pfd_report_on > ChildDeathCase.inquest_on,
                 ChildDeathCase.pfd_report_concerns.is_not(None)) > 0
    assert cases(ChildDeathCase.key_worker_name.is_not(None),
                 ChildDeathCase.bereavement_support_offered == "yes",
                 ChildDeathCase.family_information_offered_on.is_not(None)) > 0
    without_agencies = sa.select(ChildDeathCase.id).where(~sa.exists().where(
        CaseAgency.case_id == ChildDeathCase.id))
    assert db.session.scalars(without_agencies).first() is None
    forms = dict(db.session.execute(
        sa.select(AgencyRequest.reporting_form, sa.func.count(AgencyRequest.id))
        .group_by(AgencyRequest.reporting_form)).all())
    assert forms["core"] > 0 and set(forms) - {"core"}
    several = sa.select(AgencyRequest.case_id).where(AgencyRequest.reporting_form == "core") \
        .group_by(AgencyRequest.case_id).having(sa.func.count(AgencyRequest.id) > 1)
    assert db.session.scalars(several).first() is not None
    drafted = ChildDeathCase.draft_category.is_not(None)
    assert cases(drafted, ChildDeathCase.category.is_(None)) > 0
    assert cases(drafted, ChildDeathCase.category.is_not(None),
                 ChildDeathCase.grade_child.is_not(None)) > 0
    closed = ChildDeathCase.closed_on.is_not(None)
    assert cases(closed, ChildDeathCase.ncmd_analysis_sent_on.is_not(None),
                 ChildDeathCase.ncmd_analysis_sent_by_id.is_not(None)) > 0
    assert cases(closed, ChildDeathCase.ncmd_analysis_sent_on.is_(None)) > 0
    # Sent in the forms' order: never an analysis before its reporting forms.
    assert cases(ChildDeathCase.ncmd_analysis_sent_on.is_not(None),
                 ChildDeathCase.ncmd_reporting_sent_on.is_(None)) == 0


def test_demo_cases_with_the_new_fields_open_and_export(app, partnership, cdop_client, call):
    """The demo's cases open on their pages, in the NCMD list and the NCMD export: what
    `make run` shows a CDOP administrator first."""
    demo.seed_cases(60, today=date(2026, 11, 23))

    def first(*where):
        return db.session.scalar(sa.select(ChildDeathCase).where(*where)
                                 .order_by(ChildDeathCase.id))

    shown = {
        "no post-mortem": first(ChildDeathCase.no_post_mortem.is_not(None)),
        "prevention of future deaths report": first(ChildDeathCase.pfd_report_on.is_not(None)),
        "draft analysis only": first(ChildDeathCase.draft_category.is_not(None),
                                     ChildDeathCase.category.is_(None)),
        "sent to the NCMD": first(ChildDeathCase.ncmd_analysis_sent_on.is_not(None)),
    }
    for what, case in shown.items():
        assert case is not None, what
        call(cdop_client, "cdr.case", case_id=case.id)
        call(cdop_client, "cdr.inquest_and_family_support", case_id=case.id)
        download(cdop_client, f"/child-deaths/ncmd/export?case={case.id}")
    inquest = call(cdop_client, "cdr.inquest_and_family_support",
                   case_id=shown["prevention of future deaths report"].id)
    assert "Invented concerns about safe sleep advice" in inquest.text()
    family = call(cdop_client, "cdr.inquest_and_family_support",
                  case_id=shown["no post-mortem"].id)
    assert family.html.select_one("input[name=key_worker_name]")["value"] == "Demo Key Worker"
    listing = call(cdop_client, "cdr.ncmd_not_sent")
    assert shown["draft analysis only"].reference in listing.text()
    assert shown["sent to the NCMD"].reference not in listing.text()
