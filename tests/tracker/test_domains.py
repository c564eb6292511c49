"""Domains register with the shell; every table of case data is scoped and audited."""

from datetime import date

import pytest
from flask import Flask

from tracker import create_app, deadline_service
from tracker.audit import Audited, AuditEvent
from tracker.case_records import CaseRecord, PartnershipScoped
from tracker.deadline_mapping import CaseDeadlines, DeadlineMappingError, DeadlineSpec
from tracker.domains import Domain, NavItem, register_domain, registered_domains
from tracker.extensions import db
from tracker.roles import Permission

DOMAIN_PACKAGES = ("cdr", "reviews")


# Tables a domain defines that hold no case data, and why.
NOT_CASE_DATA = {
    # The public notification form's rate limit: a keyed hash of the client's address and a
    # time, counted across web workers. Auditing each use would write an audit row for every
    # anonymous visitor's form.
    "PublicFormUse",
}


def _case_data_models():
    """Every mapped model defined in a domain package: all of them hold case data, but for
    NOT_CASE_DATA."""
    return [
        mapper.class_
        for mapper in db.Model.registry.mappers
        if mapper.class_.__module__.split(".")[0] in DOMAIN_PACKAGES
        and mapper.class_.__name__ not in NOT_CASE_DATA
    ]


def test_the_app_registers_both_domains_with_their_deadline_mappings(app):
    names = [domain.name for domain in registered_domains(app)]
    assert names == ["cdr", "reviews"]
    owners = {m.owner_type for d in registered_domains(app) for m in d.case_deadlines}
    assert owners == {"cdr_case", "cdr_agency_request", "serious_incident",
                      "reviews_yearly_report"}


def test_every_table_of_case_data_is_scoped_to_a_partnership_and_audited(app):
    # Scoping (tracker.security) and the auditor's scoped audit page both read the
    # partnership: a model without the mixin would write audit rows no auditor can see.
    models = _case_data_models()
    assert {m.__tablename__ for m in models} >= {"cdr_case", "serious_incident"}
    unscoped = [m.__name__ for m in models if not issubclass(m, PartnershipScoped)]
    unaudited = [m.__name__ for m in models if not issubclass(m, Audited)]
    assert unscoped == [], "case data without PartnershipScoped"
    assert unaudited == [], "case data without Audited"


def test_a_case_keeps_the_rules_edition_its_clocks_started_under(app, partnership):
    from reviews.models import SeriousIncident

    incident = SeriousIncident(partnership_id=partnership.id, reference="CSPR-T-1",
                               incident_date=date(2023, 12, 11), la_aware_on=date(2023, 12, 14))
    db.session.add(incident)
    rows = deadline_service.sync_case(incident)
    db.session.commit()

    # The day before Working Together 2023 came into force.
    assert incident.rules_edition == "WT2018"
    assert {row.edition for row in rows} == {"WT2018"}


def test_an_audit_row_about_a_case_belongs_to_its_partnership(app, partnership):
    from cdr.models import ChildDeathCase

    case = ChildDeathCase(partnership_id=partnership.id, reference="CDOP-T-1",
                          date_of_death=date(2025, 3, 1), notification_received_on=date(2025, 3, 2))
    db.session.add(case)
    db.session.commit()

    event = db.session.scalar(
        db.select(AuditEvent).where(AuditEvent.object_type == "ChildDeathCase")
    )
    assert event.partnership_id == partnership.id


def test_saving_a_case_bumps_its_version(app, partnership):
    from cdr.models import ChildDeathCase

    case = ChildDeathCase(partnership_id=partnership.id, reference="CDOP-T-2",
                          date_of_death=date(2025, 3, 1), notification_received_on=date(2025, 3, 2))
    db.session.add(case)
    db.session.commit()
    assert case.version == 1
    case.jar_required = True
    db.session.commit()
    assert case.version == 2


# --- Registration refuses a wrong mapping at start-up ------------------------------------------


def _bare_app():
    return Flask("bare")


def _mapping(*specs):
    from cdr.models import ChildDeathCase

    return CaseDeadlines(ChildDeathCase, specs)


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        (DeadlineSpec("rr_meeting_1", "date_of_deth"), "no column 'date_of_deth'"),
        (DeadlineSpec("rr_meeting_1", "date_of_death", "met_column"), "no column 'met_column'"),
        (DeadlineSpec("rr_meeting_9", "date_of_death"), "no rule 'rr_meeting_9'"),
        (DeadlineSpec("rr_meeting_1", "date_of_death", applies_when=(("jar", True),)),
         "no column 'jar'"),
    ],
)
def test_a_mapping_that_names_a_missing_column_or_rule_fails_at_registration(spec, problem):
    with pytest.raises(DeadlineMappingError, match=problem):
        register_domain(_bare_app(), Domain(name="x", title="X", case_deadlines=(_mapping(spec),)))


def test_a_rule_mapped_twice_or_a_domain_registered_twice_is_refused():
    twice = _mapping(DeadlineSpec("rr_meeting_1", "date_of_death"),
                     DeadlineSpec("rr_meeting_1", "notification_received_on"))
    with pytest.raises(DeadlineMappingError, match="a rule mapped twice"):
        register_domain(_bare_app(), Domain(name="x", title="X", case_deadlines=(twice,)))
    app = _bare_app()
    register_domain(app, Domain(name="x", title="X"))
    with pytest.raises(ValueError, match="registered twice"):
        register_domain(app, Domain(name="x", title="X"))


def test_a_wrong_mapping_stops_the_app_from_starting(monkeypatch):
    import cdr.deadlines

    broken = _mapping(DeadlineSpec("coroner_notification", "coroner_decided_on"))
    monkeypatch.setattr(cdr.deadlines, "CHILD_DEATH_DEADLINES", broken)
    with pytest.raises(DeadlineMappingError, match="coroner_decided_on"):
        create_app({"CONFIG_CLASS": "test"})


def test_a_domains_navigation_entry_appears_for_users_with_its_permission(
    app, cdop_client, admin_client
):
    from tests.conftest import page

    app.extensions["tracker.domains"]["cdr"] = Domain(
        name="cdr", title="Child death reviews",
        navigation=(
            NavItem("Timescales again", "timescales.calculator", Permission.VIEW_CDR_CASES),
        ),
    )
    cdop_nav = page(cdop_client.get("/")).find(class_="govuk-service-navigation")
    texts = [link.get_text(strip=True) for link in cdop_nav.find_all("a")]
    # After Home, before the shell's own pages.
    assert texts.index("Timescales again") == texts.index("Home") + 1
    admin_nav = page(admin_client.get("/")).find(class_="govuk-service-navigation")
    assert "Timescales again" not in admin_nav.get_text()


def test_no_case_model_subclasses_case_record_without_a_deadline_mapping(app):
    mapped = {m.model for d in registered_domains(app) for m in d.case_deadlines}
    cases = {model for model in _case_data_models() if issubclass(model, CaseRecord)}
    assert cases <= mapped
