"""A partnership's own expiry for personal links to agencies, set on its settings page,
overrides AGENCY_LINK_DAYS for new and renewed links; blank goes back to the default."""

from datetime import timedelta

import sqlalchemy as sa

from tests.tracker.test_agency_links import NOW, _contact, _issue
from tracker import agency_links as links
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.models import Partnership


def test_the_settings_page_sets_the_partnerships_link_expiry(app, call, admin_client,
                                                             partnership):
    page = call(admin_client, "partnerships.show", code=partnership.code)
    assert "service's default number of days" in page.text("main")
    call(admin_client, "partnerships.agency_link_days", status=302, data={"days": "14"},
         code=partnership.code)
    db.session.expire_all()
    assert db.session.get(Partnership, partnership.id).agency_link_days == 14
    assert "works for 14 days" in call(admin_client, "partnerships.show",
                                       code=partnership.code).text("main")
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == "Partnership").order_by(AuditEvent.id.desc())).first()
    assert "agency_link_days" in str(event.changes)

    link, _token = _issue(app, partnership, _contact(partnership))
    assert link.expires_at == NOW + timedelta(days=14)
    later = NOW + timedelta(days=20)
    with app.app_context():
        links.renew(link, later)
    assert link.expires_at == later + timedelta(days=14)

    call(admin_client, "partnerships.agency_link_days", status=302, data={"days": ""},
         code=partnership.code)
    db.session.expire_all()
    assert db.session.get(Partnership, partnership.id).agency_link_days is None
    second, _ = _issue(app, partnership, _contact_two(partnership), owner_id=2)
    assert second.expires_at == NOW + timedelta(days=28)


def _contact_two(partnership):
    from tracker.agencies import AgencyContact, DirectoryAgency

    agency = DirectoryAgency(partnership_id=partnership.id, name="Vale School",
                             name_key="vale school", kind="school")
    contact = AgencyContact(agency=agency, partnership_id=partnership.id, name="Vi Vale",
                            email="vi@vale.example")
    db.session.add_all([agency, contact])
    db.session.commit()
    return contact


def test_a_number_out_of_range_is_refused_and_nothing_changes(call, admin_client,
                                                              partnership):
    for typed, message in (("0", "between 1 and 90"), ("91", "between 1 and 90"),
                           ("two", "must be a whole number")):
        page = call(admin_client, "partnerships.agency_link_days", status=400,
                    data={"days": typed}, code=partnership.code)
        assert any(message in error for error in page.errors)
    db.session.expire_all()
    assert db.session.get(Partnership, partnership.id).agency_link_days is None


def test_other_roles_may_not_set_it(call, cdop_client, partnership):
    call(cdop_client, "partnerships.agency_link_days", status=403, code=partnership.code)
