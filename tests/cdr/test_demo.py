"""Demo child death cases: every stage, invented children, test-range NHS numbers."""

from datetime import date

import sqlalchemy as sa
from nhs_number import is_valid

from cdr.models import STAGES, AgencyRequest, ChildDeathCase, ChildIdentity, PanelItem
from tests.cdr.factories import make_case
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
