"""Under load, against the app served by gunicorn (tests/served.py): saves and page reads
beside a long export, and bursts of saves into one partnership at the same instant.

On SQLite the database is a file, as a real install has it (WAL mode, the busy timeout); on
PostgreSQL it is the suite's database.
"""

import contextlib
import random
import sqlite3
import threading
import time
from datetime import date

import pytest
import sqlalchemy as sa

from cdr import demo_cases
from cdr.models import ChildDeathCase
from reviews.models import SeriousIncident
from tests.factories import make_partnership, make_user
from tests.served import serve, shared_database
from tests.tracker.test_duplicate_races import incident, notification
from tracker import export_jobs
from tracker.demo import insert_rows
from tracker.excel_rows import RowWriter
from tracker.export_jobs import BUILDING, READY, ExportJob
from tracker.extensions import db
from tracker.roles import Role

# More cases than an export builds inside a request (EXPORT_INLINE_MAX_ROWS), so the
# scheduler builds it; each row written takes at least ROW_SECONDS (writing a 100,000-row
# workbook took 15-18 s), so the build lasts longer than SQLite's old 5-second lock timeout
# on a fast machine as on a slow one, without seeding 100,000 cases.
EXPORT_CASES = 8_000
ROW_SECONDS = 0.0015
READ_HELD = 3  # seconds: longer than a chunk of rows takes to read, shorter than a build
SEED_DAY = date(2025, 6, 30)


@pytest.fixture
def database(request, tmp_path):
    yield from shared_database(request, tmp_path)


def _seed_cases(partnership, count):
    """`count` demo cases, bulk-inserted (no identities or deadlines: the export reads each
    case all the same)."""
    rng = random.Random(7)
    rows = [demo_cases.fake_death(rng, partnership, number, SEED_DAY, None)
            for number in range(1, count + 1)]
    insert_rows(ChildDeathCase.__table__, rows)
    db.session.commit()


def _rows_written_slowly(monkeypatch) -> threading.Event:
    """Each row of a workbook takes at least ROW_SECONDS to write; the event returned is set
    when the first is written (the sheet's records have been chosen: tracker.short_reads
    reads their keys before the first chunk)."""
    write_row = RowWriter._row  # noqa: SLF001
    writing = threading.Event()

    def slowly(self, number, values):
        writing.set()
        time.sleep(ROW_SECONDS)
        return write_row(self, number, values)

    monkeypatch.setattr(RowWriter, "_row", slowly)
    return writing


def _build_in_background(app, job_id):
    """The scheduler's run (claim, then build the workbook) in a thread of its own; returns
    the thread and what it recorded: when it ended, and any error."""
    outcome = {}

    def run():
        try:
            with app.app_context():
                export_jobs.run()
        except Exception as error:  # noqa: BLE001 (reported by the test)
            outcome["error"] = error
        finally:
            outcome["ended"] = time.monotonic()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while _status(app, job_id) != BUILDING:
        assert time.monotonic() < deadline and thread.is_alive(), outcome
        time.sleep(0.05)
    return thread, outcome


def _status(app, job_id):
    with app.app_context():
        return db.session.scalar(sa.select(ExportJob.status).where(ExportJob.id == job_id))


def _held_back(database) -> bool:
    """Whether a read holds the database back. SQLite: the write-ahead log cannot be copied
    into the database file and emptied, waiting at most 4 seconds for readers (a chunk of
    the export being read, on a loaded machine). PostgreSQL: another connection holds a
    snapshot (backend_xmin: vacuum must keep what it saw) in a transaction open for
    READ_HELD seconds or more."""
    if not database.uri.startswith("sqlite:///"):
        with database.app.app_context():
            oldest = db.session.scalar(sa.text(
                "SELECT max(extract(epoch FROM now() - xact_start)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_xmin IS NOT NULL"))
            db.session.remove()
        return oldest is not None and oldest >= READ_HELD
    path = database.uri.removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path, timeout=4)) as raw:
        return raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] != 0


def test_a_save_and_a_page_read_succeed_while_an_export_is_built(database, tmp_path,
                                                                 monkeypatch):
    """One web worker (the README's small-partnership setup) and the scheduler building a
    large export: a notification saved and pages read meanwhile all succeed at once."""
    partnership = make_partnership(code="NSP", name="Northshire Partnership")
    email = make_user(Role.CDOP_ADMIN, [partnership]).email
    _seed_cases(partnership, EXPORT_CASES)
    db.session.remove()

    with serve(database.uri, tmp_path, workers=1) as server:
        exporter, notifier = server.browser(), server.browser()
        exporter.sign_in(email)
        notifier.sign_in(email)
        queued = exporter.get("/child-deaths/spreadsheet")
        assert queued.status == 302 and "/exports/" in queued.location, queued.status
        job_id = db.session.scalar(sa.select(ExportJob.id))
        db.session.remove()
        form = notifier.form("/child-deaths/notify", notification(given_names="Beside"))

        writing = _rows_written_slowly(monkeypatch)
        builder, built = _build_in_background(database.app, job_id)
        # Saved once the export has chosen its rows: a case saved between the job's claim
        # and that moment (its preparation, slow under load) is rightly in the file, and
        # the count below would then be one more (8001 on PostgreSQL in CI).
        assert writing.wait(60), built
        sent = time.monotonic()
        saved = notifier.post("/child-deaths/notify", form)
        shown = notifier.get(saved.location.removeprefix(server.url) or "/child-deaths/")
        listed = notifier.get("/child-deaths/")
        # Looked at once the build has run for longer than any chunk is read in.
        time.sleep(max(0.0, sent + 2 * READ_HELD - time.monotonic()))
        held = _held_back(database)
        answered = time.monotonic()
        builder.join(120)
        log = server.log_tail()

    assert saved.status == 302, (saved.status, log)
    case = db.session.scalar(sa.select(ChildDeathCase).where(
        ChildDeathCase.id == int(saved.location.rstrip("/").rsplit("/", 1)[1])))
    assert shown.status == 200 and case.reference in shown.text, log
    assert listed.status == 200, (listed.status, log)
    assert "database is locked" not in log
    # No read of the export held the database for long (its log could be checkpointed).
    assert not held
    # They were answered while the export was still being built (else this proves nothing).
    assert "error" not in built, built
    assert sent < answered < built["ended"], (answered - sent, built["ended"] - sent)
    job = db.session.get(ExportJob, job_id)
    # The file holds the cases as they were when its rows were chosen: not the one saved
    # while they were being written.
    assert (job.status, job.row_count) == (READY, EXPORT_CASES)


BURSTS, PER_BURST = 4, 20
LETTERS = "ABCDEFGHIJKLMNOPQRST"


def _burst(burst, notifiers, recorders):
    """(browser, url, data) of each save in a burst: half notify a death, half record an
    incident, each of a different child, all into the one partnership."""
    tag = LETTERS[burst]
    saves = [(browser, "/child-deaths/notify", notification(
        given_names=f"Burst{tag}", family_name=f"Child{LETTERS[n]}", nhs_number=None,
        nhs_number_absent="not_available"))
        for n, browser in enumerate(notifiers)]
    saves += [(browser, "/practice-reviews/new",
               incident(child_reference=f"Child {tag}{LETTERS[n]}"))
              for n, browser in enumerate(recorders)]
    return saves


def _all_at_once(server, saves):
    """Each save in its own thread: open the form, wait for the others (a barrier), post it
    with them, then open the page it was sent to.
    [(status, location or what the page said, page status, page text)], in order."""
    barrier = threading.Barrier(len(saves), timeout=60)
    answers = [None] * len(saves)

    def run(index, browser, url, data):
        form = browser.form(url, data)
        barrier.wait()
        saved = browser.post(url, form)
        shown = browser.get(saved.location.removeprefix(server.url)) if saved.location else None
        # Not saved: what the page said instead (its error summary or heading).
        said = saved.page().select_one(".govuk-error-summary, h1")
        answers[index] = (saved.status, saved.location.removeprefix(server.url) or (
            said and said.get_text(" ", strip=True)), shown and shown.status,
            shown and shown.text)

    _in_threads(run, list(enumerate(saves)), lambda item: (item[0], *item[1]))
    return answers


def _in_threads(function, items, arguments=lambda item: item):
    """function(*arguments(item)) for every item, each in its own thread; waits for all."""
    threads = [threading.Thread(target=function, args=arguments(item), daemon=True)
               for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)


def test_bursts_of_saves_into_one_partnership_each_get_their_record(database, tmp_path):
    """Four bursts of 20 saves at the same instant (notifications and incidents into one
    partnership) on four gunicorn workers: every one is saved, with a reference of its own,
    and its user is sent to it."""
    partnership = make_partnership(code="NSP", name="Northshire Partnership")
    half = PER_BURST // 2
    emails = [make_user(role, [partnership]).email
              for role in [Role.CDOP_ADMIN] * half + [Role.BUSINESS_UNIT] * half]
    db.session.remove()

    answers = []
    with serve(database.uri, tmp_path, workers=4, threads=5) as server:
        browsers = [server.browser() for _ in emails]
        _in_threads(lambda browser, email: browser.sign_in(email),
                    list(zip(browsers, emails, strict=True)))
        for burst in range(BURSTS):
            answers += _all_at_once(server, _burst(burst, browsers[:half], browsers[half:]))
        log = server.log_tail()

    statuses = [answer and answer[0] for answer in answers]
    assert statuses == [302] * BURSTS * PER_BURST, (statuses, answers and answers[0][1], log)
    cases = dict(db.session.execute(
        sa.select(ChildDeathCase.id, ChildDeathCase.reference)).all())
    incidents = dict(db.session.execute(
        sa.select(SeriousIncident.id, SeriousIncident.reference)).all())
    assert len(cases) == len(incidents) == BURSTS * half
    references = [*cases.values(), *incidents.values()]
    assert len(set(references)) == len(references)
    sent_to = {location for _, location, _, _ in answers}
    assert sent_to == {f"/child-deaths/{key}" for key in cases} | {
        f"/practice-reviews/{key}" for key in incidents}
    for _, location, status, text in answers:
        kind, key = location.strip("/").split("/")
        reference = (cases if kind == "child-deaths" else incidents)[int(key)]
        assert status == 200 and reference in text, (location, status)
