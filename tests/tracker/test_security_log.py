"""The security log: one JSON line an event, to SECURITY_LOG_PATH, never a child's identity,
search text, a query string or an e-mail address."""

import json

import pytest
import sqlalchemy as sa

import config
from cdr.models import ChildIdentity
from tests.cdr.test_import import HEADERS, NAME, nhs, row
from tests.conftest import sign_in, submit
from tests.factories import make_user
from tests.import_files import confirm, upload, workbook
from tests.tracker.test_two_factor import enrolled, still, user  # noqa: F401 (fixtures)
from tests.tracker.test_users import edit_data
from tracker.extensions import db
from tracker.roles import Role
from tracker.security_log import FIELDS

GIVEN, FAMILY = "Zebedee", "Quillfeather"
NHS_NUMBER = nhs(4242)


@pytest.fixture
def log(app, tmp_path):
    """The security log as a file; read() gives its events, text() its raw text."""
    path = tmp_path / "security.log"
    app.config["SECURITY_LOG_PATH"] = str(path)

    class Log:
        def text(self):
            return path.read_text() if path.exists() else ""

        def read(self):
            return [json.loads(line) for line in self.text().splitlines()]

        def events(self):
            return [entry["event"] for entry in self.read()]

    return Log()


def test_each_security_event_is_one_json_line_without_identifying_values(
        app, log, partnership, enrolled, still, admin_client):  # noqa: F811
    enrolled_user, secret, codes = enrolled
    cdop = app.test_client()
    cdop.environ_base.update(REMOTE_ADDR="192.0.2.77")
    cdop_user = make_user(Role.CDOP_ADMIN, [partnership])
    assert sign_in(cdop, cdop_user.email, "wrong password").status_code == 400
    assert sign_in(cdop, cdop_user.email).status_code == 302
    # An import of a child with a distinctive name and NHS number, then a search, the case
    # page and an identifying export that all carry them.
    data = workbook(HEADERS, [row(**{"Given names": GIVEN, "Family name": FAMILY,
                                     "NHS number": NHS_NUMBER})])
    assert confirm(cdop, NAME, upload(cdop, NAME, data)).status_code == 302
    identity = db.session.scalars(sa.select(ChildIdentity)).one()
    assert identity.family_name == FAMILY
    cdop.get(f"/child-deaths/?q={FAMILY}", follow_redirects=True)
    cdop.get(f"/child-deaths/?q={NHS_NUMBER}", follow_redirects=True)
    assert cdop.get(f"/child-deaths/{identity.case_id}").status_code == 200
    export = cdop.get(f"/child-deaths/spreadsheet?q={FAMILY}&identifying=yes",
                      follow_redirects=True)
    assert export.status_code == 200
    assert export.mimetype.endswith("sheet")
    assert cdop.get("/users/").status_code == 403  # a page of another role
    # A recovery code, an administrator's role change and reset of the second factor.
    phone = app.test_client()
    sign_in(phone, enrolled_user.email)
    assert submit(phone, "/sign-in/recovery-code", {"code": codes[0]}).status_code == 302
    submit(admin_client, f"/users/{cdop_user.id}/edit", edit_data(cdop_user, role="auditor"))
    submit(admin_client, f"/users/{enrolled_user.id}/reset-two-factor", {},
           page_url=f"/users/{enrolled_user.id}/edit")
    # A lockout.
    locked = make_user(Role.CDOP_ADMIN, [partnership])
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 1):
        sign_in(app.test_client(), locked.email, "wrong password")

    entries = log.read()
    # The role change, not each sign-in.
    assert [e["object_id"] for e in entries if e["event"] == "user_updated"
            and e["object_id"] == str(cdop_user.id)] == [str(cdop_user.id)]
    assert {"two_factor_set_up", "sign_in_failure", "sign_in", "import", "export",
            "permission_refused", "recovery_code_used", "user_updated", "two_factor_reset",
            "sessions_ended", "lockout", "sign_out"} <= {e["event"] for e in entries}
    assert all(list(entry) == list(FIELDS) for entry in entries)
    assert all(entry["time"].endswith("Z") for entry in entries)
    refused = next(e for e in entries if e["event"] == "permission_refused")
    assert (refused["user_id"], refused["ip"], refused["path"], refused["outcome"]) == (
        cdop_user.id, "192.0.2.0/24", "/users/", "refused")
    exported = next(e for e in entries if e["event"] == "export")
    assert (exported["user_id"], exported["partnership_id"], exported["path"]) == (
        cdop_user.id, partnership.id, "/child-deaths/spreadsheet")
    changed = next(e for e in entries if e["event"] == "user_updated")
    assert (changed["user_id"], changed["object_id"]) == (admin_client.user.id,
                                                          str(cdop_user.id))
    failure = next(e for e in entries if e["event"] == "sign_in_failure")
    assert (failure["user_id"], failure["outcome"]) == (cdop_user.id, "failure")

    text = log.text()
    for secret_value in (GIVEN, FAMILY, NHS_NUMBER, NHS_NUMBER[-4:] + '"', "?", "q=",
                         "@", secret, codes[0], "192.0.2.77", "wrong password"):
        assert secret_value not in text, secret_value


def test_ending_a_session_is_logged(app, log, cdop_client):
    submit(cdop_client, "/sign-out", {}, page_url="/")
    ended = [e for e in log.read() if e["event"] in ("sign_out", "session_ended")]
    assert [e["event"] for e in ended] == ["sign_out", "session_ended"]
    assert {e["user_id"] for e in ended} == {cdop_client.user.id}


def test_standard_error_is_a_destination(app, capfd, cdop_client):
    app.config["SECURITY_LOG_PATH"] = "-"
    assert cdop_client.get("/users/").status_code == 403
    (line,) = [line for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    assert json.loads(line)["event"] == "permission_refused"


def test_off_in_tests_and_development_unless_set_and_to_standard_error_in_production(
        app, cdop_client, capfd):
    assert app.config["SECURITY_LOG_PATH"] == ""
    assert cdop_client.get("/users/").status_code == 403  # nothing written, nothing fails
    assert '"permission_refused"' not in capfd.readouterr().err
    assert config.ProductionConfig.SECURITY_LOG_PATH == "-"
    assert config.DevelopmentConfig.SECURITY_LOG_PATH == ""
