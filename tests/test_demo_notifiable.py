"""The demo's serious incidents are notifiable or not as a user would record them: without
abuse or neglect known or suspected, no Panel notification, partners' report or rapid review
deadline; a suspicion that came later starts the Panel's clocks from its day; a national
review's clocks start at the Panel's decision."""

from datetime import date

import sqlalchemy as sa

from reviews.models import SeriousIncident
from tracker import demo
from tracker.deadline_models import Deadline
from tracker.extensions import db

PANEL_CLOCKS = ("panel_notification", "partners_notification", "rapid_review")


def _clocks(rule_keys):
    return db.session.execute(
        sa.select(SeriousIncident, Deadline)
        .join(Deadline, sa.and_(Deadline.owner_type == "serious_incident",
                                Deadline.owner_id == SeriousIncident.id))
        .where(Deadline.rule_key.in_(rule_keys))).all()


def test_demo_incidents_have_the_panels_clocks_only_when_notifiable(app):
    demo.seed_people()
    demo.seed_cases(600, today=date(2026, 11, 23))
    incidents = db.session.scalars(sa.select(SeriousIncident)).all()

    # Some care leavers died, never also looked after, aged 18 to 25.
    leavers = [i for i in incidents if i.care_leaver]
    assert leavers and all(i.child_died and not i.looked_after for i in leavers)
    assert {i.age_at_death_years for i in leavers} <= set(range(18, 26))
    not_notifiable = [i for i in incidents if not i.abuse_or_neglect_suspected]
    assert not_notifiable and len(not_notifiable) < len(incidents)
    assert all(i.panel_notified_on is None and i.rapid_review_sent_on is None
               for i in not_notifiable)
    panel = _clocks(PANEL_CLOCKS)
    assert panel and all(incident.abuse_or_neglect_suspected for incident, _ in panel)
    # A suspicion that came later starts the Panel's clock from its own day.
    later = [(i, d) for i, d in panel if i.abuse_or_neglect_known_on is not None
             and d.rule_key == "panel_notification"]
    assert later and all(d.trigger_date == i.abuse_or_neglect_known_on > i.la_aware_on
                         for i, d in later)
    national = _clocks(["national_publication"])
    assert national and all(d.trigger_date == i.panel_decision_on for i, d in national)
