"""A killed build leaves nothing behind: a real export build and a real reminders run, each in
a scheduler process killed (SIGKILL) mid-way, on a database that process shares with the
test. Nothing of the export reaches the system's temporary folder; the job is shown failed
once its heartbeat is older than the limit (the clock moved on), its partial file and
temporary folder go with it, and the user can ask again and download; the reminders run is
shown failed on the admin page instead of running for good."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import request_started, request_tearing_down

from tests.conftest import Page, _fresh_g, sign_in, submit
from tests.factories import make_partnership, make_user
from tests.workbooks import download
from tracker import create_app, demo, export_jobs
from tracker.export_jobs import BUILDING, FAILED, READY, ExportJob
from tracker.extensions import db
from tracker.reminders import scheduler
from tracker.reminders.models import SchedulerRun
from tracker.roles import Role

ROOT = Path(__file__).resolve().parents[2]
LIST_URL = "/child-deaths/spreadsheet?stage=&sort=reference&order=asc"
CASES = 1500

# The scheduler's export job, as `flask scheduler run` runs it, in a process of its own. Its
# heartbeat beats often (so the test sees it beat), and each row is written a little slowly
# (so the build is still writing when it is killed, however fast the machine).
EXPORT_PROCESS = textwrap.dedent("""
    import sys, time
    from datetime import timedelta
    from tracker import create_app, excel_rows, export_jobs
    from tracker.reminders import scheduler

    export_jobs.HEARTBEAT_EVERY = timedelta(milliseconds=100)
    write_row = excel_rows.RowWriter._row
    def slow_row(self, *args):
        time.sleep(0.003)
        return write_row(self, *args)
    excel_rows.RowWriter._row = slow_row
    app = create_app({"CONFIG_CLASS": "test", "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                      "EXPORT_DIR": sys.argv[2]})
    scheduler.exports_job(app)
    print("finished", flush=True)
""")

# The scheduler's reminders job in a process of its own, its pass taking a minute.
REMINDERS_PROCESS = textwrap.dedent("""
    import sys, time
    from datetime import timedelta
    from tracker import create_app
    from tracker.reminders import scheduler

    scheduler.RUN_HEARTBEAT_EVERY = timedelta(milliseconds=100)
    def slow_pass(today, now):
        time.sleep(60)
    scheduler.run_pass = slow_pass
    app = create_app({"CONFIG_CLASS": "test", "SQLALCHEMY_DATABASE_URI": sys.argv[1]})
    scheduler.reminders_job(app)
""")


@pytest.fixture
def shared_app(app, tmp_path, clock):
    """An app on a database another process can open (a file for SQLite), with its export
    folder, on the real time (the other process's clock) until the test moves it."""
    clock.set(datetime.now(UTC))
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("postgresql"):
        uri = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    shared = create_app({"CONFIG_CLASS": "test", "SQLALCHEMY_DATABASE_URI": uri,
                         "EXPORT_DIR": str(tmp_path / "exports"),
                         "EXPORT_INLINE_MAX_ROWS": 2})
    request_started.connect(_fresh_g, shared)
    request_tearing_down.connect(_fresh_g, shared)
    with shared.app_context():
        db.create_all()
        yield shared
        db.session.remove()
        db.engine.dispose()


def start(script, *args, tmp):
    """A Python process running `script`, its temporary folder a fresh one of its own."""
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(  # noqa: S603 (our own script, fixed arguments)
        [sys.executable, "-c", script, *args], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(condition, process, what, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()  # see what the other process has committed
        if condition():
            return
        if process.poll() is not None:
            _, err = process.communicate()
            pytest.fail(f"the process ended before {what}: {err.decode()[-3000:]}")
        time.sleep(0.05)
    process.kill()
    pytest.fail(f"timed out waiting for {what}")


def kill(process):
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    assert process.returncode == -signal.SIGKILL
    process.stdout.close()
    process.stderr.close()


def test_a_killed_export_build_leaves_nothing_and_the_user_can_try_again(shared_app, clock,
                                                                          tmp_path):
    partnership = make_partnership(code="NSP", name="Northshire Partnership")
    user = make_user(Role.CDOP_ADMIN, [partnership])
    demo.seed_cases(CASES)
    db.session.commit()
    client = shared_app.test_client()
    sign_in(client, user.email)
    progress_url = client.get(LIST_URL).location
    assert progress_url.startswith("/exports/")
    exports = Path(shared_app.config["EXPORT_DIR"])
    system_temp = tmp_path / "scheduler-tmp"

    process = start(EXPORT_PROCESS, shared_app.config["SQLALCHEMY_DATABASE_URI"], str(exports),
                    tmp=system_temp)

    def job():
        return db.session.scalar(sa.select(ExportJob))

    def writing():
        found = job()
        if found.status != BUILDING or not found.token or found.heartbeat_at is None:
            return False
        sheets = list((exports / f"{found.token}.tmp").glob("*.xml"))
        return (found.heartbeat_at > found.started_at
                and any(sheet.stat().st_size > 100_000 for sheet in sheets))

    wait_for(writing, process, "the build wrote rows and beat its heartbeat")
    kill(process)
    token = job().token
    left = sorted(path.name for path in exports.iterdir())
    # What the killed build left is all its job's: the file it had opened (registered with
    # the job before it was written) and its folder of temporary files.
    assert left == [f"{token}.tmp"] or left == [f"{token}.tmp", f"{token}.xlsx"]
    assert list(system_temp.iterdir()) == []  # nothing of the children's details in /tmp

    # A sweep within the heartbeat limit takes the build to be still going.
    clock.set(datetime.now(UTC) + timedelta(seconds=30))
    export_jobs.sweep(scheduler.utcnow())
    assert job().status == BUILDING
    assert "being made now" in Page(client.get(progress_url)).text("#status")

    # Past the limit, the scheduler's start (as a sweep does) fails it and removes its files.
    clock.advance(export_jobs.STUCK_AFTER)
    scheduler.recover(shared_app)
    db.session.rollback()
    assert job().status == FAILED and job().token is None
    assert list(exports.iterdir()) == []
    failed = Page(client.get(progress_url))
    assert "Failed" in failed.text("#status")
    assert "the build stopped before it finished. Try again" in failed.text("#status")

    response = submit(client, f"{progress_url}/retry", {}, page_url=progress_url)
    assert response.status_code == 302
    assert export_jobs.build_queued() == 1
    assert job().status == READY
    link = Page(client.get(progress_url)).html.select_one("#download")
    _, book = download(client, link["href"])
    assert book["Cases"].max_row - 1 == job().row_count > 0
    assert sorted(path.name for path in exports.iterdir()) == [f"{job().token}.xlsx"]


def test_a_reminders_run_killed_mid_way_is_shown_failed(shared_app, clock, tmp_path):
    admin = make_user(Role.SYSTEM_ADMIN, [])
    client = shared_app.test_client()
    sign_in(client, admin.email)
    process = start(REMINDERS_PROCESS, shared_app.config["SQLALCHEMY_DATABASE_URI"],
                    tmp=tmp_path / "scheduler-tmp")

    def run():
        return db.session.scalar(sa.select(SchedulerRun))

    def beating():
        found = run()
        return found is not None and found.heartbeat_at > found.started_at

    wait_for(beating, process, "the run started and beat its heartbeat")
    kill(process)
    assert run().outcome == "running"

    clock.set(datetime.now(UTC) + timedelta(seconds=30))
    scheduler.exports_job(shared_app)  # every few seconds: the run is not yet taken as dead
    db.session.rollback()
    assert run().outcome == "running"

    clock.advance(scheduler.RUN_STUCK_AFTER)
    scheduler.exports_job(shared_app)
    db.session.rollback()
    assert run().outcome == "failed" and run().finished_at is not None
    page = Page(client.get("/admin/reminders"))
    assert "Failed" in page.text()
    assert "The run stopped before it finished" in page.text()
    assert "The last run of the reminders failed." in page.text()


def test_a_build_still_preparing_its_rows_keeps_beating_its_heartbeat(shared_app, monkeypatch):
    """The heartbeat beats while the rows are prepared, not only while they are written: a
    long preparation (or a long save) is never taken for a dead build by another sweep."""
    partnership = make_partnership(code="NSP", name="Northshire Partnership")
    user = make_user(Role.CDOP_ADMIN, [partnership])
    demo.seed_cases(5)
    db.session.commit()
    client = shared_app.test_client()
    sign_in(client, user.email)
    assert client.get(LIST_URL).location.startswith("/exports/")  # queued for the scheduler
    monkeypatch.setattr(export_jobs, "HEARTBEAT_EVERY", timedelta(milliseconds=50))
    kinds = export_jobs.export_kinds()
    seen = []

    def slow_prepare(name):
        def prepare(args):
            time.sleep(0.6)  # a preparation that writes no row for a while
            with db.engine.connect() as other:
                seen.append(other.execute(sa.select(ExportJob.heartbeat_at,
                                                    ExportJob.started_at)).one())
            return kinds[name].prepare(args)
        return prepare

    slow = {name: export_jobs.ExportKind(name, slow_prepare(name), kind.back_endpoint)
            for name, kind in kinds.items()}
    monkeypatch.setattr(export_jobs, "export_kinds", lambda app=None: slow)
    scheduler.exports_job(shared_app)
    db.session.rollback()
    (heartbeat_at, started_at), = seen
    assert heartbeat_at > started_at  # it beat during the preparation
    assert db.session.scalar(sa.select(ExportJob.status)) == READY
