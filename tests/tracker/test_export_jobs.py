"""Large exports: queued behind a progress page, built by the scheduler's job, downloaded once
ready (audited as an inline export is), private to the user who asked, and built once when
two schedulers race."""

import os
import stat
import threading
import time
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.cdr.factories import make_case
from tests.conftest import Page, sign_in, submit
from tests.factories import make_partnership, make_user
from tests.workbooks import download
from tracker import create_app, export_jobs
from tracker.audit import Action, AuditEvent
from tracker.export_jobs import FAILED, ExportJob
from tracker.extensions import db
from tracker.models import User
from tracker.roles import PERMISSIONS, Permission, Role

NOW = datetime(2025, 6, 2, 9, 30)
LIST_URL = "/child-deaths/spreadsheet?stage=&sort=reference&order=asc"


@pytest.fixture(autouse=True)
def _setup(app, clock, tmp_path):
    clock.set(NOW)
    app.config["EXPORT_DIR"] = str(tmp_path / "exports")
    app.config["EXPORT_INLINE_MAX_ROWS"] = 2


@pytest.fixture
def cases(partnership):
    """Three cases, one more than the test's inline limit; one with formula-like text."""
    return [make_case(partnership, date_of_death=date(2025, 5, day),
                      notification_received_on=date(2025, 5, day),
                      analysis_summary="=1+1") for day in (1, 2, 3)]


def queue_big_export(client):
    """Ask for the big export: the answer is a redirect to its progress page."""
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response.location.startswith("/exports/")
    return response.location


def data_rows(book):
    """Every data sheet's cells (the cover's 'Made on' differs between two builds)."""
    return {sheet.title: list(sheet.iter_rows(values_only=True))
            for sheet in book.worksheets[1:]}


def export_events():
    return db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == Action.EXPORT.value).order_by(AuditEvent.id)).all()


def test_a_big_export_is_queued_built_then_downloaded_with_what_the_inline_one_holds(
        app, cdop_client, cases):
    progress_url = queue_big_export(cdop_client)
    waiting = Page(cdop_client.get(progress_url))
    assert waiting.html.select_one("meta[http-equiv=refresh]")["content"] == "5"
    assert "Making your spreadsheet" in waiting.text(".govuk-panel")
    assert "waiting to be made" in waiting.text("#status")
    assert waiting.html.select_one("#download") is None
    assert export_events() == []  # nothing has left the building yet

    assert export_jobs.build_queued(lambda: NOW) == 1

    ready = Page(cdop_client.get(progress_url))
    assert ready.html.select_one("meta[http-equiv=refresh]") is None
    assert "Your spreadsheet is ready" in ready.text(".govuk-panel")
    assert "3 rows" in ready.text(".govuk-panel")
    link = ready.html.select_one("#download")
    assert link.text.strip() == "Download child-death-cases-2025-06-02.xlsx"
    response, book = download(cdop_client, link["href"])
    assert "child-death-cases-2025-06-02.xlsx" in response.headers["Content-Disposition"]
    job_event, = export_events()

    app.config["EXPORT_INLINE_MAX_ROWS"] = 5_000
    _, inline = download(cdop_client, LIST_URL)
    assert data_rows(book) == data_rows(inline)
    assert book.sheetnames == inline.sheetnames
    inline_event = export_events()[-1]
    # Audited exactly as the inline export is: what, which partnership, rows and filters.
    assert (job_event.object_type, job_event.partnership_id, job_event.detail) == (
        inline_event.object_type, inline_event.partnership_id, inline_event.detail)
    assert "Cases 3 rows" in job_event.detail


def test_the_file_is_private_to_the_apps_user_and_deleted_after_a_day(cdop_client, cases):
    progress_url = queue_big_export(cdop_client)
    export_jobs.build_queued(lambda: NOW)
    job = db.session.scalar(sa.select(ExportJob))
    path = export_jobs.file_of(job)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700

    assert export_jobs.sweep(NOW + timedelta(hours=23)) == 0
    assert path.exists()
    assert export_jobs.sweep(NOW + timedelta(hours=25)) == 1
    assert not path.exists()
    gone = Page(cdop_client.get(progress_url))
    assert "deleted 24 hours after it was made" in gone.text("#status")
    assert gone.html.select_one("#download") is None
    assert gone.html.select_one("#back")["href"] == "/child-deaths/"
    assert db.session.scalar(sa.select(ExportJob.arguments)) == "[]"  # the filters go too


def test_another_user_gets_404_for_the_page_and_the_file(app, cdop_client, partnership, cases):
    progress_url = queue_big_export(cdop_client)
    export_jobs.build_queued(lambda: NOW)
    colleague = make_user(Role.CDOP_ADMIN, [partnership])
    other = app.test_client()
    assert sign_in(other, colleague.email).status_code == 302
    assert other.get(progress_url).status_code == 404
    assert other.get(f"{progress_url}/download").status_code == 404
    assert export_events() == []


def test_a_small_export_is_still_downloaded_at_once(cdop_client, cases):
    response, book = download(cdop_client, LIST_URL.replace("stage=", "q=CDOP-NONE-2025-0000"))
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(ExportJob.id))) == 0


def test_a_failed_build_says_so_and_can_be_tried_again(cdop_client, cases, monkeypatch):
    progress_url = queue_big_export(cdop_client)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("tracker.export_jobs.build_workbook", broken)
    export_jobs.build_queued(lambda: NOW)
    failed = Page(cdop_client.get(progress_url))
    assert "Failed" in failed.text("#status")
    assert failed.html.select_one("meta[http-equiv=refresh]") is None
    assert failed.html.select_one("#download") is None
    assert list((export_jobs.export_dir()).iterdir()) == []  # no half-written file left

    monkeypatch.undo()
    response = submit(cdop_client, f"{progress_url}/retry", {}, page_url=progress_url)
    assert response.status_code == 302
    assert "waiting to be made" in Page(cdop_client.get(progress_url)).text("#status")
    export_jobs.build_queued(lambda: NOW)
    link = Page(cdop_client.get(progress_url)).html.select_one("#download")
    _, book = download(cdop_client, link["href"])
    assert len(data_rows(book)["Cases"]) == 4


def test_a_build_that_died_with_its_process_fails_after_a_while(cdop_client, cases):
    progress_url = queue_big_export(cdop_client)
    job = db.session.scalar(sa.select(ExportJob))
    assert export_jobs.claim(job.id, NOW)
    assert "being made now" in Page(cdop_client.get(progress_url)).text("#status")
    export_jobs.sweep(NOW + timedelta(hours=1))
    assert "Failed" in Page(cdop_client.get(progress_url)).text("#status")


@pytest.fixture
def shared_app(app, tmp_path):
    """An app on a database other threads can open (as two scheduler processes would)."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("postgresql"):
        uri = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    shared = create_app({"CONFIG_CLASS": "test", "SQLALCHEMY_DATABASE_URI": uri})
    with shared.app_context():
        db.create_all()
        yield shared
        db.session.remove()
        db.engine.dispose()


def test_two_schedulers_at_once_build_each_job_once(shared_app, monkeypatch):
    user = make_user(Role.CDOP_ADMIN, [make_partnership(code="RACE")])
    for _ in range(6):
        db.session.add(ExportJob(user_id=user.id, kind="cdr.cases", title="Case list",
                                 filename="cases.xlsx", arguments="[]", partnership_ids="1",
                                 created_at=NOW))
    db.session.commit()
    queued = db.session.scalars(sa.select(ExportJob.id).order_by(ExportJob.id)).all()
    built = []

    def record(job_id, now_fn):
        built.append(job_id)
        time.sleep(0.01)  # long enough for the other scheduler to try the same job

    monkeypatch.setattr("tracker.export_jobs.build", record)
    start = threading.Barrier(2, timeout=30)
    errors = []

    def one_scheduler():
        try:
            with shared_app.app_context():
                start.wait()
                export_jobs.build_queued(lambda: NOW)
                db.session.remove()
        except Exception as error:  # reported below, so a failure is not silent
            errors.append(error)

    threads = [threading.Thread(target=one_scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(built) == queued



def test_a_big_practice_review_export_is_built_the_same_way(app, business_client, partnership,
                                                            clock):
    from tests.reviews.factories import make_incident

    for _ in range(3):
        make_incident(partnership, child_name="Invented Childname")
    response = business_client.get("/practice-reviews/spreadsheet?identifying=yes")
    assert response.status_code == 302
    export_jobs.build_queued(lambda: NOW)
    link = Page(business_client.get(response.location)).html.select_one("#download")
    _, book = download(business_client, link["href"])
    app.config["EXPORT_INLINE_MAX_ROWS"] = 5_000
    _, inline = download(business_client, "/practice-reviews/spreadsheet?identifying=yes")
    assert data_rows(book) == data_rows(inline)
    assert len(data_rows(book)["Practice reviews"]) == 4
    assert "Invented Childname" in str(data_rows(book))


def test_the_build_checks_the_users_access_again(cdop_client, cases):
    progress_url = queue_big_export(cdop_client)
    # Between asking and the build, the user moves to a role without child death cases.
    cdop_client.user.role = Role.BUSINESS_UNIT.value
    db.session.commit()
    export_jobs.build_queued(lambda: NOW)
    job = db.session.scalar(sa.select(ExportJob))
    assert (job.status, job.token) == ("failed", None)
    assert list(export_jobs.export_dir().iterdir()) == []
    assert "You no longer have access to these records" in Page(
        cdop_client.get(progress_url)).text("#status")


def _lose_the_identity_permission(client, partnership, monkeypatch):
    monkeypatch.setitem(PERMISSIONS, Role.CDOP_ADMIN, PERMISSIONS[Role.CDOP_ADMIN]
                        - {Permission.VIEW_IDENTIFYING_DETAILS})


def _lose_the_role(client, partnership, monkeypatch):
    client.user.role = Role.BUSINESS_UNIT.value  # exports, but sees no child death cases
    db.session.commit()


def _lose_the_partnership(client, partnership, monkeypatch):
    elsewhere = make_partnership(code="ZZP")
    db.session.expire_all()
    db.session.get(User, client.user.id).partnerships = [elsewhere]
    db.session.commit()


LOSSES = {"the identity permission": _lose_the_identity_permission,
          "the role": _lose_the_role, "the partnership": _lose_the_partnership}


@pytest.mark.parametrize("lost", list(LOSSES))
def test_the_download_checks_the_users_access_again(cdop_client, cases, partnership,
                                                   monkeypatch, lost):
    """Built with identifying details, the file is refused to its user once they have lost
    what it needs (their session may have lived on, or they signed in again)."""
    progress_url = queue_big_export_with_identity(cdop_client)
    export_jobs.build_queued(lambda: NOW)
    link = Page(cdop_client.get(progress_url)).html.select_one("#download")["href"]
    job = db.session.scalar(sa.select(ExportJob))
    path = export_jobs.file_of(job)
    assert path.exists()

    LOSSES[lost](cdop_client, partnership, monkeypatch)
    response = cdop_client.get(link)
    response.close()  # as a WSGI server does (a file sent would otherwise stay open)

    assert response.status_code == 302 and response.location == progress_url
    assert "You no longer have access to these records" in Page(
        cdop_client.get(progress_url)).text("#status")
    assert not path.exists()
    db.session.expire_all()
    assert (job.status, job.token) == ("failed", None)
    assert [event.action for event in db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action.in_([Action.EXPORT.value, Action.REFUSED.value])))] == ["refused"]
    again = cdop_client.get(link)
    again.close()
    assert again.status_code == 302  # and stays refused


def test_the_download_of_a_file_without_identifying_details_needs_no_identity_permission(
        cdop_client, cases, partnership, monkeypatch):
    progress_url = queue_big_export(cdop_client)
    export_jobs.build_queued(lambda: NOW)
    link = Page(cdop_client.get(progress_url)).html.select_one("#download")["href"]

    _lose_the_identity_permission(cdop_client, partnership, monkeypatch)
    response, _ = download(cdop_client, link)

    assert response.status_code == 200
    assert [event.action for event in export_events()] == ["export"]


def queue_big_export_with_identity(client):
    response = client.get(LIST_URL + "&identifying=yes")
    assert response.status_code == 302 and response.location.startswith("/exports/")
    return response.location


def _age(path, minutes):
    """Make a file or folder (and what it holds) look untouched for `minutes`."""
    then = time.time() - minutes * 60
    for each in [path, *(path.rglob("*") if path.is_dir() else [])]:
        os.utime(each, (then, then))


def test_orphans_in_the_export_folder_are_removed_once_nothing_has_touched_them(
        cdop_client, cases):
    queue_big_export(cdop_client)
    export_jobs.build_queued(lambda: NOW)
    ready = export_jobs.file_of(db.session.scalar(sa.select(ExportJob)))
    folder = export_jobs.export_dir()
    # A partial workbook no job points to (a build killed before this version), and the
    # temporary folder of an inline export whose web worker was killed.
    partial = folder / "PJ0rZk7n8ZVdU9oQ2t3mX4tQhq1vTQe5oWm3wqg1xXs.xlsx"
    partial.write_bytes(b"PK half a workbook")
    inline = folder / "inline-AbCdEfGhIjKlMnOpQrStUvWxYz012345.tmp"
    inline.mkdir()
    (inline / "sheet-x.xml").write_text("<row>a child's name</row>")
    unknown = folder / "notes.txt"  # not a name this app gives: not its to remove
    unknown.write_text("kept")
    for each in (ready, partial, inline, unknown):
        _age(each, 1)

    export_jobs.sweep(NOW)  # touched a minute ago: perhaps a build in another process
    assert sorted(folder.iterdir()) == sorted([ready, partial, inline, unknown])

    for each in (ready, partial, inline, unknown):
        _age(each, 3)
    export_jobs.sweep(NOW)
    assert sorted(folder.iterdir()) == sorted([ready, unknown])


def test_a_build_failed_by_a_sweep_while_it_stalled_is_not_then_made_ready(
        app, cdop_client, cases, monkeypatch, clock):
    """A build that hangs (its process alive, its heartbeat beating) is reported failed once
    it has run for the longest a build may take; when it wakes, its file is removed rather
    than offered."""
    progress_url = queue_big_export(cdop_client)
    real_build = export_jobs.build_workbook
    # Shorter than the test's stall, which stays within the sign-in's idle time.
    monkeypatch.setattr(export_jobs, "MAX_BUILD_TIME", timedelta(minutes=4))

    def stalls(cover, sheets, target, folder):
        counts = real_build(cover, sheets, target, folder)
        clock.advance(minutes=5)
        with app.app_context():  # the sweep of another scheduler, while this one stalls
            export_jobs.sweep(export_jobs.utcnow())
        return counts

    monkeypatch.setattr("tracker.export_jobs.build_workbook", stalls)
    export_jobs.build_queued()
    db.session.expire_all()
    job = db.session.scalar(sa.select(ExportJob))
    assert job.status == FAILED and job.token is None
    assert list(export_jobs.export_dir().iterdir()) == []
    assert "the build stopped before it finished" in Page(cdop_client.get(progress_url)).text(
        "#status")
