"""A further notification of a death already notified: nothing the notifier typed is lost.
Its answers stay with it on the case page; agencies not yet listed and blank case fields go
into the case; where it says other than the case, the case page shows the difference with a
link to the page that changes it; the timeline says what was added, naming no one."""

from datetime import date

from cdr.models import CaseAgency, CaseNotification, ChildDeathCase, ChildIdentity
from tests.cdr.test_notifications import _post_duplicate_page, answers, cases, day
from tracker.audit import AuditEvent
from tracker.extensions import db

SUDDEN = "jar_sudden_unexplained"


def _first(call, client, **changes):
    call(client, "cdr.notify", status=302, data=answers(
        death_expected="yes", agency_1_name="Northshire Hospitals", agency_1_kind="acute_trust",
        **changes))
    [case] = cases()
    return case


def _further(call, client, **changes):
    page = call(client, "cdr.notify", data=answers(
        source="coroner", notifier_agency="Northshire Coroner", notifier_name="Ms Officer",
        received_on=day(date(2025, 3, 5)), **changes))
    assert "This death has already been notified" in page.text("h1")
    assert _post_duplicate_page(client, page, "further").status_code == 302


def test_a_further_notification_keeps_its_answers_and_adds_only_what_is_safe(cdop_client,
                                                                              call):
    case = _first(call, cdop_client, carers=None)

    _further(call, cdop_client, death_expected="no", jar_criteria=[SUDDEN],
             cause_1a="Sepsis", ethnicity="asian_indian", carers="Alex Carer, aunt",
             agency_1_name="northshire hospitals", agency_1_kind="acute_trust",
             agency_2_name="Northshire Police", agency_2_kind="police")

    db.session.expire_all()
    further = db.session.scalar(db.select(CaseNotification).where(CaseNotification.further))
    assert further.answers["cause_1a"] == "Sepsis"
    assert further.answers["death_expected"] == "no"
    assert further.answers["jar_criteria"] == [SUDDEN]
    assert [row["name"] for row in further.answers["agencies"]] == [
        "northshire hospitals", "Northshire Police"]
    stored = db.session.get(ChildDeathCase, case.id)
    # Blank fields filled; what the case held is not overwritten; no JAR made silently.
    assert (stored.cause_1a, stored.ethnicity) == ("Sepsis", "asian_indian")
    assert stored.death_expected == "yes" and not stored.jar_required
    assert db.session.scalar(db.select(ChildIdentity.carers)) == "Alex Carer, aunt"
    listed = db.session.scalars(db.select(CaseAgency).order_by(CaseAgency.id)).all()
    assert [(a.name, a.notification_id) for a in listed] == [
        ("Northshire Hospitals", None), ("Northshire Police", further.id)]
    created = db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.object_type == "CaseAgency", AuditEvent.action == "create")).all()
    assert len(created) == 2
    updates = db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.object_type == "ChildDeathCase", AuditEvent.action == "update",
        AuditEvent.object_id == str(case.id))).all()
    assert [None, "Sepsis"] in [event.changes.get("cause_1a") for event in updates]

    page = call(cdop_client, "cdr.case", case_id=case.id)
    timeline = page.text("#timeline + ol")
    assert ("Further notification from the coroner (Northshire Coroner); added to the case: "
            "1 agency, Ethnicity, Causes of death, Carers; differs from the case: Whether the "
            "death was expected, Joint Agency Response") in timeline
    assert "Alex" not in timeline and "Ms Officer" not in timeline
    heading = page.html.select_one(f"#further-notification-{further.id}")
    assert heading.get_text(strip=True) == "Further notification received 5 March 2025"
    differences = page.html.select_one(".further-differences")
    text = differences.get_text(" ", strip=True)
    assert ("Whether the death was expected: the further notification says Unexpected; the "
            "case says Expected") in text
    links = {a.get_text(" ", strip=True): a["href"] for a in differences.select("a")}
    assert links["Change joint agency response"].endswith(
        f"/{case.id}/joint-agency-response")
    assert links["Change whether the death was expected"].endswith(f"/{case.id}/edit")
    answers_text = page.html.select_one(".further-answers").get_text(" ", strip=True)
    assert "Sepsis" in answers_text and "Northshire Police (Police)" in answers_text
    assert "Alex Carer, aunt" in answers_text  # a CDOP administrator sees the named answers


def test_a_different_cause_is_shown_as_a_difference_not_written_over(cdop_client, call):
    case = _first(call, cdop_client, cause_1a="Sepsis")

    _further(call, cdop_client, cause_1a="Meningitis", post_mortem_required="no")

    db.session.expire_all()
    assert db.session.get(ChildDeathCase, case.id).cause_1a == "Sepsis"
    text = call(cdop_client, "cdr.case", case_id=case.id).html.select_one(
        ".further-differences").get_text(" ", strip=True)
    assert "Causes of death: the further notification says Meningitis; the case says Sepsis" \
        in text
    assert "Post-mortem: the further notification says No post-mortem is required" in text
    # A further notification does not record the decision itself: the difference says so.
    assert db.session.get(ChildDeathCase, case.id).no_post_mortem is None


def test_a_resolved_difference_no_longer_shows(cdop_client, call):
    case = _first(call, cdop_client, cause_1a="Sepsis")
    _further(call, cdop_client, cause_1a="Meningitis", death_expected="yes")
    stored = db.session.get(ChildDeathCase, case.id)
    stored.cause_1a = "Meningitis"
    db.session.commit()

    page = call(cdop_client, "cdr.case", case_id=case.id)

    assert page.html.select_one(".further-differences") is None
    assert "Meningitis" in page.html.select_one(".further-answers").get_text(" ", strip=True)


def test_the_case_page_costs_the_same_queries_with_a_further_notification(cdop_client,
                                                                          partnership):
    from tests.cdr.factories import make_case
    from tests.tracker.test_audit import count_queries

    def queries(case):
        cdop_client.get(f"/child-deaths/{case.id}")  # the first view writes its audit row
        with count_queries() as statements:
            assert cdop_client.get(f"/child-deaths/{case.id}").status_code == 200
        return len(statements)

    plain, notified_twice = make_case(partnership), make_case(partnership)
    db.session.add(CaseNotification(
        case_id=notified_twice.id, partnership_id=partnership.id, received_on=date(2025, 3, 3),
        source="practitioner", further=True, answers={"ethnicity": "not_stated"}))
    db.session.commit()

    assert queries(notified_twice) == queries(plain)
