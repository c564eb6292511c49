"""The migrations build exactly the schema the models describe."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from tracker import create_app
from tracker.extensions import db


def _migrated_app(tmp_path):
    uri = f"sqlite:///{tmp_path / 'migrated.sqlite'}"
    return create_app({"CONFIG_CLASS": "test", "SQLALCHEMY_DATABASE_URI": uri})


def test_a_model_change_without_a_migration_is_caught(tmp_path):
    app = _migrated_app(tmp_path)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        db.engine.dispose()
    assert diff == [], f"models and migrations differ: run `flask db migrate`: {diff}"


def test_migrated_audit_table_refuses_changes(tmp_path):
    app = _migrated_app(tmp_path)
    with app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO audit_event (occurred_at, action) "
                                 "VALUES (CURRENT_TIMESTAMP, 'login')"))
        for statement in ("UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"):
            with db.engine.begin() as conn:
                try:
                    conn.execute(sa.text(statement))
                except sa.exc.DatabaseError as error:
                    assert "append-only" in str(error)
                else:
                    raise AssertionError(f"{statement} was allowed")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT action FROM audit_event")).scalars().all() == [
                "login"
            ]
        db.engine.dispose()


def test_migrations_downgrade_to_an_empty_database(tmp_path):
    app = _migrated_app(tmp_path)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        db.engine.dispose()
    assert tables == set()
