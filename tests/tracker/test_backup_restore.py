"""Backup and restore on PostgreSQL, as the README ("Backup and restore") tells an operator:
`pg_dump -Fc`, then `pg_restore` into an empty database, and the tracker runs on the copy.

The test role may not create databases (`.ci/run` makes `tracker` a plain LOGIN role), so
the data is made in a schema of its own in the test database, dumped with pg_dump, the
schema dropped (nothing of it is left), and the dump restored with pg_restore: everything the
app then reads comes from the dump. An app on the restored copy signs a user in and opens a
case. pg_dump and pg_restore are those of the server's major version
(/usr/lib/postgresql/<major>/bin, where Debian's postgresql-<major> package, which `.ci/run`
installs, puts them), else the first on PATH.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.cdr.factories import make_case
from tests.conftest import sign_in
from tests.factories import make_partnership, make_user
from tracker import create_app
from tracker.extensions import db
from tracker.roles import Role

SCHEMA = "backup_restore_check"


def _test_database_url():
    url = create_app({"CONFIG_CLASS": "test"}).config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("Backup and restore are documented for PostgreSQL (pg_dump and "
                    "pg_restore); this run is on SQLite (set DATABASE_URL to run it)")
    return url


def _tool(name, server_version_num):
    """pg_dump or pg_restore of the server's major version, else the one on PATH."""
    major = int(server_version_num) // 10000
    found = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    if found.exists():
        return str(found)
    on_path = shutil.which(name)
    if on_path is None:
        message = (f"{name} not found in /usr/lib/postgresql/{major}/bin nor on PATH: "
                   f"install postgresql-client-{major}")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return on_path


def _app_on(url):
    """The app on the test database, reading and writing SCHEMA only."""
    return create_app({
        "CONFIG_CLASS": "test", "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "connect_args": {"options": f"-c search_path={SCHEMA}"}},
    })


def _run(args):
    # Our own arguments: the tool's path, a temporary file and the test database's URL.
    result = subprocess.run(args, capture_output=True, text=True, timeout=300,  # noqa: S603
                            check=False)
    assert result.returncode == 0, f"{args[0]} failed:\n{result.stderr}"
    return result


def _drop_schema(url):
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    engine.dispose()


def _contents(url):
    """(tables, triggers, rows of the audit trail) in SCHEMA."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        tables = conn.execute(sa.text(
            "SELECT count(*) FROM pg_tables WHERE schemaname = :s"), {"s": SCHEMA}).scalar()
        triggers = conn.execute(sa.text(
            "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :s AND NOT t.tgisinternal"), {"s": SCHEMA}).scalar()
        audit = None
        if tables:
            query = sa.text(f"SELECT count(*) FROM {SCHEMA}.audit_event")  # noqa: S608 (ours)
            audit = conn.execute(query).scalar()
    engine.dispose()
    return tables, triggers, audit


def test_a_dump_restored_into_an_empty_database_signs_in_and_shows_a_case(tmp_path):
    url = _test_database_url()
    name = make_url(url).database or ""
    assert "test" in name, "runs only against a test database"
    libpq_url = make_url(url).set(drivername="postgresql").render_as_string(
        hide_password=False)
    _drop_schema(url)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
        version = conn.execute(sa.text("SHOW server_version_num")).scalar()
    engine.dispose()
    try:
        # The data: a partnership, a user and a case (with its child's details, deadlines and
        # audit rows), made by the app itself.
        source = _app_on(url)
        with source.app_context():
            db.create_all()
            partnership = make_partnership(code="NSP", name="Northshire Partnership")
            user = make_user(Role.CDOP_ADMIN, [partnership])
            case = make_case(partnership)
            email, case_id, reference = user.email, case.id, case.reference
            db.session.remove()
            db.engine.dispose()

        made = _contents(url)
        assert made[0] > 0 and made[1] > 0 and made[2] > 0
        dump = tmp_path / "tracker.dump"
        _run([_tool("pg_dump", version), "--format=custom", f"--schema={SCHEMA}",
              f"--file={dump}", f"--dbname={libpq_url}"])
        _drop_schema(url)  # the database now holds nothing of it
        assert _contents(url)[0] == 0
        _run([_tool("pg_restore", version), "--no-owner", "--exit-on-error",
              f"--dbname={libpq_url}", str(dump)])

        # Every table, trigger (the kept figures) and audit row is back.
        assert _contents(url) == made
        restored = _app_on(url)
        with restored.app_context():
            client = restored.test_client()
            assert sign_in(client, email).status_code == 302
            response = client.get(f"/child-deaths/{case_id}")
            assert response.status_code == 200
            assert reference in response.get_data(as_text=True)
            db.session.remove()
            db.engine.dispose()
    finally:
        _drop_schema(url)
