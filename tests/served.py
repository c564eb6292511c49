"""The app served for real: gunicorn in a subprocess, on a database this process shares.

For tests of what only a real server shows: several worker processes writing at once, saves
beside a long export, locks and timeouts. The database is the suite's PostgreSQL one when
DATABASE_URL is set (the `app` fixture empties it), else a SQLite file (WAL mode and its busy
timeout, as a real install has them, never the in-memory database of other tests).

    database = shared_database(request, tmp_path)   # in a fixture; yields the app here
    with serve(database.uri, tmp_path, workers=4) as server:
        browser = server.browser()
        browser.sign_in(email)
        response = browser.submit("/child-deaths/notify", {...})

`Browser` is a small HTTP client with its own cookies that never follows redirects, and posts
forms as a browser does (the page's CSRF token and submission key). The test's own app
(`database.app`, its context pushed) seeds data and checks what the server saved.
"""

import contextlib
import http.cookiejar
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup
from flask import request_started, request_tearing_down

import config
from tests.factories import PASSWORD
from tracker import create_app
from tracker.extensions import db

ROOT = Path(__file__).resolve().parent.parent
URI_VARIABLE = "SERVED_DATABASE_URI"
START_SECONDS = 60  # a loaded 2-core machine: workers may take a while to import the app


def make_app():
    """gunicorn's app (`tests.served:make_app()`): the test config on the shared database."""
    return create_app({"CONFIG_CLASS": "test",
                       "SQLALCHEMY_DATABASE_URI": os.environ[URI_VARIABLE]})


def is_postgres() -> bool:
    return config.TestConfig.SQLALCHEMY_DATABASE_URI.startswith("postgresql")


@dataclass
class SharedDatabase:
    """This process's app on the database the server will use, its context pushed."""

    app: object
    uri: str


def shared_database(request, tmp_path):
    """Yield a SharedDatabase: on PostgreSQL the suite's (emptied by the `app` fixture), else
    a new SQLite file under tmp_path."""
    from tests.conftest import _fresh_g

    if is_postgres():
        app = request.getfixturevalue("app")
        yield SharedDatabase(app, app.config["SQLALCHEMY_DATABASE_URI"])
        return
    uri = f"sqlite:///{tmp_path / 'served.sqlite'}"
    app = create_app({"CONFIG_CLASS": "test", "SQLALCHEMY_DATABASE_URI": uri})
    request_started.connect(_fresh_g, app)
    request_tearing_down.connect(_fresh_g, app)
    with app.app_context():
        db.create_all()
        yield SharedDatabase(app, uri)
        db.session.remove()
        db.engine.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A running gunicorn: its address and its log (for a failing test's message)."""

    url: str
    log: Path

    def browser(self) -> "Browser":
        return Browser(self.url)

    def log_tail(self, lines=40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@contextlib.contextmanager
def serve(uri: str, tmp_path, *, workers=1, threads=1):
    """gunicorn serving the app on `uri` (sync workers, or threaded ones when threads > 1)
    on a free port; stopped (its whole process group) when the block ends. The app is made
    once, before the workers are forked from it (--preload: making it opens no database
    connection), so they start in a moment."""
    port = _free_port()
    log = tmp_path / f"gunicorn-{port}.log"
    env = {**os.environ, URI_VARIABLE: uri, "PYTHONPATH": str(ROOT)}
    with open(log, "wb") as output:
        process = subprocess.Popen(  # noqa: S603 (our own command line)
            [sys.executable, "-m", "gunicorn", "--workers", str(workers),
             "--threads", str(threads), "--timeout", "120", "--graceful-timeout", "5",
             "--no-control-socket", "--preload",
             "--bind", f"127.0.0.1:{port}", "tests.served:make_app()"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}", log)
    try:
        _wait_until_up(server, process, workers)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGQUIT)  # gunicorn's quick shutdown
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def _wait_until_up(server, process, workers):
    """Until every worker has booted and the sign-in page answers."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{server.log_tail()}")
        booted = server.log.read_text(errors="replace").count("Booting worker")
        if booted >= workers:
            with contextlib.suppress(OSError):
                if Browser(server.url).get("/sign-in").status == 200:
                    return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not start in {START_SECONDS} s:\n{server.log_tail()}")


@dataclass
class Response:
    status: int
    location: str
    text: str

    def page(self) -> BeautifulSoup:
        return BeautifulSoup(self.text, "html.parser")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """An HTTP client with its own cookies; redirects are answers, never followed."""

    def __init__(self, url, timeout=90):
        self.url = url
        self.timeout = timeout
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirects())

    def _open(self, path, body=None) -> Response:
        request = urllib.request.Request(self.url + path, data=body)  # noqa: S310 (http only)
        try:
            answer = self.opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx and 5xx
            answer = error
        with answer:
            text = answer.read().decode("utf-8", errors="replace")
            return Response(answer.status, answer.headers.get("Location") or "", text)

    def get(self, path) -> Response:
        return self._open(path)

    def post(self, path, data: dict) -> Response:
        return self._open(path, urllib.parse.urlencode(data, doseq=True).encode())

    def form(self, path, data: dict, page=None) -> dict:
        """`data` with the CSRF token and submission key of the form on `page` (or `path`)."""
        html = self.get(page or path).page()
        fields = {}
        for name in ("csrf_token", "submission_key"):
            found = html.find("input", attrs={"name": name})
            if found is not None:
                fields[name] = found["value"]
        assert "csrf_token" in fields, f"no form at {page or path}"
        return {**data, **fields}

    def submit(self, path, data: dict, page=None) -> Response:
        return self.post(path, self.form(path, data, page))

    def sign_in(self, email, password=PASSWORD) -> None:
        response = self.submit("/sign-in", {"email": email, "password": password})
        assert response.status == 302, f"sign-in failed: {response.status}"
