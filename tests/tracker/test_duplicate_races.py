"""Two people (or two tabs) saving the same record at the same moment, in real parallel
requests: each thread is its own request with its own database session and connection.

Each test holds both requests at the duplicate check until both have reached it, or until
one has waited there a few seconds (as it does when the check is guarded: the other request
is then waiting for its lock, and this one goes on and commits first). Without a guard both
would read "not there yet" and both would save.

On PostgreSQL the app is the suite's; on SQLite it is a file database, so that the threads'
connections are separate, as on a real server.
"""

import contextlib
import threading
from datetime import date

import pytest
import sqlalchemy as sa
from flask import request_started, request_tearing_down

import config
from cdr.models import ChildDeathCase
from cdr.services import notifications as notification_service
from reviews.models import SeriousIncident
from reviews.services import incidents as incident_service
from tests.conftest import _fresh_g, csrf_token_from, page, sign_in, submission_key_from
from tests.factories import make_partnership, make_user
from tracker import create_app, submissions
from tracker.extensions import db
from tracker.roles import Role
from tracker.submissions import Submission

TODAY = date(2025, 3, 10)
WAIT = 2.5  # seconds a request waits at the check for the other


@pytest.fixture
def served(request, tmp_path, clock):
    """(app, partnership): an app whose parallel requests have their own connections."""
    clock.set(TODAY)
    if config.TestConfig.SQLALCHEMY_DATABASE_URI.startswith("postgresql"):
        app = request.getfixturevalue("app")
        yield app, make_partnership(code="NSP", name="Northshire Partnership")
        return
    app = create_app({"CONFIG_CLASS": "test",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'race.sqlite'}",
                      # A writer waits for the one before it (a loaded machine: generously).
                      "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 60}}})
    request_started.connect(_fresh_g, app)
    request_tearing_down.connect(_fresh_g, app)
    with app.app_context():
        db.create_all()
        yield app, make_partnership(code="NSP", name="Northshire Partnership")
        db.session.remove()
        db.engine.dispose()


def signed_in(app, partnership, role, user=None):
    client = app.test_client()
    user = user or make_user(role, [partnership])
    assert sign_in(client, user.email).status_code == 302
    client.user = user
    return client


def prepared(client, url, data):
    """The form's fields as the browser would send them: its CSRF token and its key."""
    html = client.get(url).get_data(as_text=True)
    return {**data, **submission_key_from(html), "csrf_token": csrf_token_from(html)}


def held_at(monkeypatch, target, name, parties=2):
    """Make target.name wait for the other request (at most WAIT seconds) before it runs."""
    real = getattr(target, name)
    barrier = threading.Barrier(parties)

    def waiting(*args, **kwargs):
        # Broken: the other request is waiting for this one's lock.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(WAIT)
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, waiting)


def in_parallel(*posts):
    """Run each (client, url, data) POST in its own thread; their responses, in order."""
    db.session.remove()  # the test's own session stays out of the requests' way
    responses = [None] * len(posts)
    errors = []

    def run(index, client, url, data):
        try:
            responses[index] = client.post(url, data=data)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index, *post))
               for index, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    return responses


def day(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


def notification(**changes):
    data = {
        "given_names": "Testchild", "family_name": "Invented",
        "date_of_birth": day(date(2024, 1, 26)), "sex": "female", "nhs_number": "999 000 0018",
        "la_of_residence": "Northshire", "date_of_death": day(date(2025, 3, 1)),
        "birth_outcome": "no", "place_of_death": "hospital", "la_of_death": "Northshire",
        "death_expected": "no", "source": "practitioner", "notifier_name": "Dr Example",
        "notifier_agency": "Northshire Hospitals", "received_on": day(date(2025, 3, 2)),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


SAME_DEATH = {
    "same NHS number": (notification(), notification(given_names="Spelt Differently")),
    "same name and dates": (notification(nhs_number=None, nhs_number_absent="not_available"),
                            notification(nhs_number=None, nhs_number_absent="not_available",
                                         given_names="TESTCHILD")),
}


@pytest.mark.parametrize("way", list(SAME_DEATH))
def test_two_people_notifying_one_death_at_once_make_one_case(served, monkeypatch, way):
    app, partnership = served
    one, two = (signed_in(app, partnership, Role.CDOP_ADMIN) for _ in range(2))
    url = "/child-deaths/notify"
    first, second = (prepared(client, url, data)
                     for client, data in zip((one, two), SAME_DEATH[way], strict=True))
    held_at(monkeypatch, notification_service, "find_duplicate")

    responses = in_parallel((one, url, first), (two, url, second))

    [case] = db.session.scalars(sa.select(ChildDeathCase)).all()
    saved = [r for r in responses if r.status_code == 302]
    answered = [r for r in responses if r.status_code == 200]
    assert len(saved) == 1 and len(answered) == 1, [r.status_code for r in responses]
    assert saved[0].location.endswith(f"/child-deaths/{case.id}")
    shown = page(answered[0])
    assert shown.h1.get_text(strip=True) == (
        f"This death has already been notified: {case.reference}")
    assert shown.select_one(f"a[href='/child-deaths/{case.id}']") is not None


def test_one_form_sent_twice_at_once_makes_one_case_and_both_land_on_it(served, monkeypatch):
    """A double click: the same key in two requests at once (two tabs of one user)."""
    app, partnership = served
    one = signed_in(app, partnership, Role.CDOP_ADMIN)
    two = signed_in(app, partnership, Role.CDOP_ADMIN, user=one.user)
    url = "/child-deaths/notify"
    html = one.get(url).get_data(as_text=True)
    key = submission_key_from(html)
    first = {**notification(), **key, "csrf_token": csrf_token_from(html)}
    second = {**first, "csrf_token": csrf_token_from(two.get(url).get_data(as_text=True))}
    held_at(monkeypatch, submissions, "check")  # both read "not sent yet", then both claim

    answers = in_parallel((one, url, first), (two, url, second))

    [case] = db.session.scalars(sa.select(ChildDeathCase)).all()
    assert [r.status_code for r in answers] == [302, 302]
    assert {r.location for r in answers} == {f"/child-deaths/{case.id}"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 1


def incident(**changes):
    data = {
        "child_reference": "Child P", "outcome": "harmed",
        "incident_date": day(date(2024, 12, 20)), "la_aware_on": day(date(2024, 12, 23)),
        "abuse_or_neglect": "yes", "location": "in_area", "looked_after": "no", "care_leaver": "no",
        "cp_plan": "recently_removed",
    }
    data.update(changes)
    return data


def test_two_people_recording_one_incident_at_once_make_one(served, monkeypatch):
    app, partnership = served
    one, two = (signed_in(app, partnership, Role.BUSINESS_UNIT) for _ in range(2))
    url = "/practice-reviews/new"
    first = prepared(one, url, incident())
    second = prepared(two, url, incident(child_reference="child  p", other_areas="Southvale"))
    held_at(monkeypatch, incident_service, "find_duplicate")

    responses = in_parallel((one, url, first), (two, url, second))

    [found] = db.session.scalars(sa.select(SeriousIncident)).all()
    codes = sorted(r.status_code for r in responses)
    assert codes == [302, 409]
    refused = page(next(r for r in responses if r.status_code == 409))
    assert f"Serious incident {found.reference} is already recorded" in refused.get_text()
    assert refused.select_one(f"#duplicate a[href='/practice-reviews/{found.id}']") is not None
