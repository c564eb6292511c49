"""A partnership's data, whole (tracker.archive): exported, loaded into an empty install, equal
table by table; another partnership's data never in it; the page and its audit row."""

import hashlib
import io
import json
import zipfile
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from cdr.models import CaseAction, PanelMeeting
from cdr.models.requests import AgencyRequest
from reviews.models.actions import Recommendation, ReviewAction
from tests.cdr.factories import make_case
from tests.conftest import csrf_token_from
from tests.factories import make_partnership, make_user
from tests.migration_db import empty, own_database_app
from tests.reviews.factories import make_incident
from tracker import archive, archive_load, audit, create_app
from tracker.agencies import AgencyContact, DirectoryAgency
from tracker.agency_links import AgencyLink
from tracker.audit import Action, AuditEvent
from tracker.deadline_models import Deadline, DeadlineCorrection
from tracker.extensions import db
from tracker.roles import Role
from tracker.timeline import TimelineEntry

OTHER_EMAIL = "only.elsewhere@example.org"
OTHER_REFERENCE = "CDOP-ELS-2025-9999"


def _partnership_data(partnership):
    """A child death case with its child's identity, deadlines, a CDOP meeting, an agency
    request and an action; a practice review with a recommendation and its action; the
    agency directory with a link; audit rows; a deadline correction (its history)."""
    user = make_user(Role.CDOP_ADMIN, [partnership], full_name="Archived User")
    case = make_case(partnership, owner_id=user.id)
    meeting = PanelMeeting(partnership_id=partnership.id, meeting_on=date(2025, 6, 4))
    db.session.add(meeting)
    db.session.flush()
    from cdr.models import PanelItem

    db.session.add(PanelItem(meeting_id=meeting.id, case_id=case.id, position=1,
                             partnership_id=partnership.id))
    db.session.add(AgencyRequest(case_id=case.id, partnership_id=partnership.id,
                                 agency="Northshire Hospital", sent_on=date(2025, 3, 5)))
    db.session.add(CaseAction(case_id=case.id, partnership_id=partnership.id,
                              description="Review the safe sleep leaflet", owner="Public health",
                              due_on=date(2025, 9, 1), owner_user_id=user.id))
    incident = make_incident(partnership)
    recommendation = Recommendation(incident_id=incident.id, partnership_id=partnership.id,
                                    number=1, text="Share the plan with the school")
    db.session.add(recommendation)
    db.session.flush()
    db.session.add(ReviewAction(incident_id=incident.id, partnership_id=partnership.id,
                                recommendation_id=recommendation.id, description="Write it",
                                agency="Education", lead="Head teacher",
                                due_on=date(2025, 10, 1)))
    agency = DirectoryAgency(partnership_id=partnership.id, name="Northshire Hospital",
                             name_key="northshire hospital", kind="health")
    db.session.add(agency)
    db.session.flush()
    contact = AgencyContact(partnership_id=partnership.id, agency_id=agency.id,
                            name="Ward Sister", email="ward@example.org")
    db.session.add(contact)
    db.session.flush()
    db.session.add(AgencyLink(partnership_id=partnership.id, owner_type="cdr_case",
                              owner_id=case.id, contact_id=contact.id,
                              token_hash=hashlib.sha256(b"a link's token").hexdigest(),
                              expires_at=datetime(2025, 4, 1, 9, 30), issued_by_id=user.id))
    deadline = db.session.scalars(sa.select(Deadline).where(Deadline.owner_id == case.id)).first()
    db.session.add(DeadlineCorrection(
        partnership_id=partnership.id, deadline_id=deadline.id, owner_type=deadline.owner_type,
        owner_id=case.id, rule_key=deadline.rule_key, old_due_date=date(2025, 4, 1),
        new_due_date=date(2025, 4, 2), cause="closure_days", corrected_on=date(2025, 3, 20)))
    db.session.add(TimelineEntry(partnership_id=partnership.id, owner_type="cdr_case",
                                 owner_id=case.id, kind="note", text="Family visited",
                                 user_id=user.id))
    audit.record(Action.VIEW, case, user=user)
    db.session.commit()
    return case


def _other_partnership_data():
    other = make_partnership(code="ELS", name="Elsewhere Partnership")
    make_user(Role.CDOP_ADMIN, [other], email=OTHER_EMAIL, full_name="Elsewhere Only")
    make_case(other, reference=OTHER_REFERENCE)
    make_incident(other)
    return other


def _export(app, code, path):
    result = app.test_cli_runner().invoke(
        args=["archive", "export", "--partnership", code, "--out", str(path)])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def target(app, tmp_path):
    """A second install on an empty database of the test's own (its tables made as `flask db
    upgrade` would)."""
    loaded = own_database_app(tmp_path, "loaded.db")
    with loaded.app_context():
        empty(db.engine)
        db.create_all()
    yield loaded
    with loaded.app_context():
        db.session.remove()
        db.engine.dispose()


def _tables(archive_path):
    with zipfile.ZipFile(archive_path) as z:
        manifest = json.loads(z.read("manifest.json"))
        return manifest, {t["name"]: [json.loads(line) for line in
                                      z.read(t["file"]).decode().splitlines()]
                          for t in manifest["tables"]}


def _rows_now(table, where=None):
    """The database's rows of a table as JSON-ready dicts (as the archive writes them)."""
    columns = archive._columns(table)
    query = sa.select(*columns).order_by(*table.primary_key.columns)
    if where is not None:
        query = query.where(where)
    return [{k: archive.plain(v) for k, v in row.items()}
            for row in db.session.execute(query).mappings()]


def test_a_partnership_round_trips_table_by_table_and_no_other_partnership_is_in_it(
        app, partnership, target, tmp_path):
    case = _partnership_data(partnership)
    other = _other_partnership_data()
    path = tmp_path / "nsp.zip"
    _export(app, "NSP", path)

    manifest, tables = _tables(path)
    assert manifest["partnership"] == "NSP"
    # Every table with the partnership's rows is in it, found from the metadata.
    for name in ("cdr_case", "cdr_child_identity", "deadline", "deadline_correction",
                 "cdr_panel_meeting", "cdr_panel_item", "cdr_agency_request", "cdr_action",
                 "serious_incident", "reviews_recommendation", "reviews_action", "agency",
                 "agency_contact", "agency_link", "audit_event", "user", "user_partnership",
                 "partnership", "timeline_entry", "deadline_tally"):
        assert tables[name], f"{name} is empty in the archive"
    assert "second_factor" not in tables and "agency_code" not in tables
    # Each partnership-scoped table holds exactly the partnership's rows as the source has them.
    for name, rows in tables.items():
        table = db.metadata.tables[name]
        if "partnership_id" in table.c:
            now = _rows_now(table, table.c.partnership_id == partnership.id)
            if name == "audit_event":  # and, after the archive was written, its export
                assert [r["action"] for r in now[len(rows):]] == ["export"]
                now = now[:len(rows)]
            assert rows == now, name
    assert [p["code"] for p in tables["partnership"]] == ["NSP"]
    assert "Archived User" in {u["full_name"] for u in tables["user"]}
    assert OTHER_EMAIL not in {u["email"] for u in tables["user"]}
    # Nothing of the other partnership, nor any credential, anywhere in the file.
    raw = b"".join(zipfile.ZipFile(path).read(n) for n in zipfile.ZipFile(path).namelist())
    for absent in (OTHER_EMAIL.encode(), OTHER_REFERENCE.encode(), b"Elsewhere", b"argon2",
                   hashlib.sha256(b"a link's token").hexdigest().encode()):
        assert absent not in raw, absent
    assert all(row.get("partnership_id") in (None, partnership.id)
               for rows in tables.values() for row in rows)
    assert "password_hash" not in tables["user"][0]

    # The manifest: the schema revision, the counts and a checksum of every file.
    with zipfile.ZipFile(path) as z:
        for file, digest in manifest["sha256"].items():
            assert hashlib.sha256(z.read(file)).hexdigest() == digest
        dictionary = json.loads(z.read("data-dictionary.json"))
    assert manifest["schema_revision"] == archive.schema_revision()
    assert {t["name"]: t["rows"] for t in manifest["tables"]} == {
        n: len(r) for n, r in tables.items()}
    columns = {c["name"]: c for c in dictionary["tables"]["deadline_correction"]["columns"]}
    assert columns["cause"]["meaning"].startswith("Which correction")
    assert columns["partnership_id"]["foreign_key"] == "partnership.id"
    assert columns["old_due_date"]["nullable"] is True
    assert "password_hash" in str(dictionary["withheld"])

    with target.app_context():
        result = target.test_cli_runner().invoke(args=["archive", "load", str(path)])
        assert result.exit_code == 0, result.output
        # Equal table by table: every row, with its id and its kept figures.
        for name, rows in tables.items():
            assert _rows_now(db.metadata.tables[name]) == rows, name
        # The sequences carry on past the loaded ids (PostgreSQL), and nobody signs in with
        # a loaded password.
        user = db.session.scalars(sa.select(archive_user_model())).first()
        assert user.password_hash == ""
        later = make_partnership(code="NEW")
        assert later.id > max(p["id"] for p in tables["partnership"])
        assert db.session.scalar(sa.select(sa.func.count()).select_from(
            db.metadata.tables["cdr_case"])) == 1
    # The source is untouched and its other partnership is still its own.
    assert db.session.get(type(case), case.id).partnership_id == partnership.id
    assert other.id != partnership.id


def archive_user_model():
    from tracker.models import User

    return User


def test_a_load_is_refused_into_a_database_that_is_not_empty_or_of_another_revision(
        app, partnership, target, tmp_path):
    _partnership_data(partnership)
    path = tmp_path / "nsp.zip"
    _export(app, "NSP", path)
    runner = target.test_cli_runner()
    with target.app_context():  # the runner uses the app context it finds
        assert runner.invoke(args=["archive", "load", str(path)]).exit_code == 0
        again = runner.invoke(args=["archive", "load", str(path)])
    assert again.exit_code != 0
    assert "not empty" in again.output and "only into an empty install" in again.output

    # Another schema revision: refused before anything is read (on the source's empty twin).
    changed = tmp_path / "older.zip"
    with zipfile.ZipFile(path) as z, zipfile.ZipFile(changed, "w") as out:
        for name in z.namelist():
            data = z.read(name)
            if name == "manifest.json":
                manifest = json.loads(data)
                manifest["schema_revision"] = "0001_initial"
                data = json.dumps(manifest).encode()
            out.writestr(name, data)
    with target.app_context():
        refused = archive_error(changed)
    assert "0001_initial" in refused and "same version" in refused


def archive_error(path):
    with pytest.raises(archive.ArchiveError) as error:
        archive_load.load_archive(path)
    return str(error.value)


def test_a_failed_load_leaves_the_database_empty(app, partnership, target, tmp_path):
    """One transaction: a row that cannot go in (here a file damaged after its checksum was
    taken, so the load is refused) leaves nothing behind."""
    _partnership_data(partnership)
    path = tmp_path / "nsp.zip"
    _export(app, "NSP", path)
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(path) as z, zipfile.ZipFile(damaged, "w") as out:
        for name in z.namelist():
            data = z.read(name)
            if name == "tables/cdr_case.jsonl":
                data = data.replace(b"Northshire", b"Southshire")
            out.writestr(name, data)
    with target.app_context():
        assert "not as it was written" in archive_error(damaged)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(
            db.metadata.tables["partnership"])) == 0


def test_the_system_administrator_downloads_the_archive_and_it_is_audited(
        app, partnership, admin_client, cdop_client, call):
    _partnership_data(partnership)
    other = _other_partnership_data()
    page = call(admin_client, "partnerships.show", code="NSP")
    assert "Your data, whole" in page.text()
    page = call(admin_client, "archive.download", code="NSP")
    assert "Download the data archive" in page.text()
    response = admin_client.post("/partnerships/NSP/archive",
                                 data={"csrf_token": csrf_token_from(str(page.html))})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as z:
        manifest = json.loads(z.read("manifest.json"))
    assert manifest["partnership"] == "NSP"
    row = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "export")
                             .order_by(AuditEvent.id.desc())).first()
    assert row.user_id == admin_client.user.id and row.partnership_id == partnership.id
    assert row.object_type == "Partnership" and row.detail.startswith(archive.AUDIT_DETAIL)
    # Another partnership's archive is not the administrator's to take; nor is any a
    # CDOP administrator's.
    call(admin_client, "archive.download", code=other.code, status=404)
    call(cdop_client, "archive.download", code="NSP", status=403)


def test_the_archive_export_command_says_so_for_an_unknown_partnership(app):
    result = app.test_cli_runner().invoke(
        args=["archive", "export", "--partnership", "NOPE", "--out", "x.zip"])
    assert result.exit_code != 0 and "No partnership has the code" in result.output


def test_the_tables_are_found_from_the_metadata():
    """A table with a partnership is carried without being named anywhere."""
    app = create_app({"CONFIG_CLASS": "test"})
    with app.app_context():
        plan = archive.archived_tables()
        names = {t.name for t in plan.tables}
        scoped = {t.name for t in db.metadata.sorted_tables if "partnership_id" in t.c}
        assert scoped - set(archive.NOT_ARCHIVED) <= names
        assert {"user", "partnership"} <= names
        assert not names & {"second_factor", "recovery_code", "export_job", "saved_search",
                            "scheduler_run", *archive.NOT_ARCHIVED}
        # A new partnership table would be carried as soon as the metadata has it.
        extra = sa.Table("h7_new_scoped", db.metadata,
                         sa.Column("id", sa.Integer, primary_key=True),
                         sa.Column("partnership_id", sa.ForeignKey("partnership.id")))
        try:
            assert "h7_new_scoped" in {t.name for t in archive.archived_tables().tables}
        finally:
            db.metadata.remove(extra)



def _rewritten(path, out_path, change):
    """A copy of an archive with `change(manifest, files)` applied and its checksums made to
    match again (as anyone holding the file could)."""
    import hashlib

    with zipfile.ZipFile(path) as z:
        files = {name: z.read(name) for name in z.namelist()}
    manifest = json.loads(files.pop("manifest.json"))
    change(manifest, files)
    manifest["sha256"] = {name: hashlib.sha256(data).hexdigest()
                          for name, data in files.items() if name.startswith("tables/")}
    with zipfile.ZipFile(out_path, "w") as out:
        for name, data in files.items():
            out.writestr(name, data)
        out.writestr("manifest.json", json.dumps(manifest))
    return out_path


def test_a_changed_archive_cannot_load_a_secret_or_into_a_live_install(
        app, partnership, target, tmp_path):
    """The checksums prove only that the file is whole, not who made it: a load takes only
    the tables and columns an export carries, and an install with any user is not empty."""
    _partnership_data(partnership)
    path = tmp_path / "nsp.zip"
    _export(app, "NSP", path)

    def add_a_session_table(manifest, files):
        manifest["tables"].append({"name": "user_session",
                                   "file": "tables/user_session.jsonl", "rows": 0})
        files["tables/user_session.jsonl"] = b""
    with target.app_context():
        refused = archive_error(_rewritten(path, tmp_path / "s.zip", add_a_session_table))
    assert "never carries user_session" in refused

    def set_a_password(manifest, files):
        lines = [json.loads(line) for line in files["tables/user.jsonl"].decode().splitlines()]
        for row in lines:
            row["password_hash"] = "$argon2id$chosen-by-whoever-changed-the-file"
        files["tables/user.jsonl"] = "".join(json.dumps(r) + "\n" for r in lines).encode()
    with target.app_context():
        archive_load.load_archive(_rewritten(path, tmp_path / "p.zip", set_a_password))
        hashes = db.session.scalars(sa.select(db.metadata.tables["user"].c.password_hash))
        assert set(hashes) == {""}  # nobody signs in until a password is set

    def only_the_audit(manifest, files):
        manifest["tables"] = [t for t in manifest["tables"] if t["name"] == "audit_event"]
    with target.app_context():  # users were loaded above: the install is not empty
        refused = archive_error(_rewritten(path, tmp_path / "a.zip", only_the_audit))
    assert "not empty" in refused


def test_an_agency_link_email_not_yet_sent_keeps_no_body_in_the_archive(
        app, partnership, tmp_path):
    from tracker.mail import BODY_NOT_KEPT, OutboundEmail

    db.session.add(OutboundEmail(partnership_id=partnership.id, kind="agency_link",
                                 to_address="jo@hill.example", subject="A request",
                                 text_body="Open https://t.example/agency/SECRETTOKEN123",
                                 html_body="<a>SECRETTOKEN123</a>",
                                 message_id="<archive-test@tracker>"))
    db.session.commit()
    path = tmp_path / "nsp.zip"
    _export(app, "NSP", path)
    _manifest, tables = _tables(path)
    (email,) = [row for row in tables["outbound_email"] if row["kind"] == "agency_link"]
    assert email["text_body"] == BODY_NOT_KEPT and email["html_body"] == BODY_NOT_KEPT
    with zipfile.ZipFile(path) as z:
        assert not any(b"SECRETTOKEN123" in z.read(name) for name in z.namelist())
