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


def test_migration_0006_counts_stored_deadlines_and_keeps_counting(tmp_path):
    """An existing database's deadlines are tallied by the upgrade, and the triggers it makes
    keep the tally as deadlines change; the downgrade takes them away again."""
    app = _migrated_app(tmp_path)
    tally = "SELECT month, outcome, days_late, n FROM deadline_tally ORDER BY month, outcome"
    with app.app_context():
        upgrade(revision="0005")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO partnership (id, code, name, rules_version, "
                                 "created_at) VALUES (1, 'NSP', 'Northshire', 0, "
                                 "CURRENT_TIMESTAMP)"))
            for owner, due, met in ((1, "2025-05-02", "2025-05-06"), (2, "2025-05-20", None),
                                    (3, "2025-06-01", "2025-06-01")):
                conn.execute(sa.text(
                    "INSERT INTO deadline (partnership_id, owner_type, owner_id, rule_key, "
                    "edition, item, due_date, met_on, rules_version, updated_at) VALUES "
                    "(1, 'cdr_case', :owner, 'registrar_notification', 'WT2018', '', :due, "
                    ":met, 0, CURRENT_TIMESTAMP)"), {"owner": owner, "due": due, "met": met})
        upgrade()
        with db.engine.begin() as conn:
            assert conn.execute(sa.text(tally)).all() == [
                ("2025-05-01", "met_late", 4, 1), ("2025-05-01", "open", 0, 1),
                ("2025-06-01", "met_on_time", 0, 1)]
            conn.execute(sa.text("UPDATE deadline SET met_on = '2025-05-20' WHERE owner_id = 2"))
            conn.execute(sa.text("DELETE FROM deadline WHERE owner_id = 3"))
            assert conn.execute(sa.text(tally)).all() == [
                ("2025-05-01", "met_late", 4, 1), ("2025-05-01", "met_on_time", 0, 1)]
        downgrade(revision="0005")
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE deadline SET met_on = NULL"))
            assert "deadline_tally" not in sa.inspect(conn).get_table_names()
        db.engine.dispose()


def test_migrations_leave_every_trigger_the_models_make(tmp_path):
    """On SQLite a batch migration rebuilds a table and drops its triggers (the audit trail's,
    and those keeping the tallies): a migrated database must have the same triggers as one
    made by create_all."""
    query = sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
    app = _migrated_app(tmp_path)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            migrated = conn.execute(query).scalars().all()
        db.engine.dispose()
    fresh = create_app({"CONFIG_CLASS": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with fresh.app_context():
        db.create_all()
        with db.engine.connect() as conn:
            made = conn.execute(query).scalars().all()
    assert "deadline_tally_insert" in made and "cdr_report_tally_update" in made
    assert migrated == made


def test_migration_0009_starts_each_counter_past_the_references_already_stored(tmp_path):
    """Existing references stay valid and none is issued twice: each partnership's counter
    starts at its highest reference of its own form (wherever the record now is); odd and
    legacy references are left as they are and never counted."""
    app = _migrated_app(tmp_path)
    counters = "SELECT partnership_id, series, year, last_number FROM reference_counter " \
               "ORDER BY partnership_id, series, year"
    with app.app_context():
        upgrade(revision="0008")
        with db.engine.begin() as conn:
            for pid, code in ((1, "NSP"), (2, "SVP")):
                conn.execute(sa.text("INSERT INTO partnership (id, code, name, rules_version, "
                                     "created_at) VALUES (:id, :code, :code, 0, "
                                     "CURRENT_TIMESTAMP)"), {"id": pid, "code": code})
            for pid, reference in ((1, "CSPR-NSP-2024-0007"), (1, "CSPR-NSP-2024-0042/A"),
                                   (2, "CSPR-NSP-2024-X1"), (2, "CSPR-NSP-2024-0009"),
                                   (2, "CSPR-SVP-2025-0003"), (1, "OLD-1")):
                conn.execute(sa.text(
                    "INSERT INTO serious_incident (partnership_id, reference, stage, "
                    "incident_date, la_aware_on, child_died, looked_after, created_at, "
                    "updated_at, abuse_or_neglect_suspected, child_reference, rules_edition, "
                    "version) VALUES (:pid, :reference, 'notified', '2024-01-01', "
                    "'2024-01-02', 0, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, 'Child A', "
                    "'WT2018', 1)"), {"pid": pid, "reference": reference})
        upgrade()
        with db.engine.begin() as conn:
            assert conn.execute(sa.text(counters)).all() == [(1, "CSPR", 2024, 9),
                                                             (2, "CSPR", 2025, 3)]
            assert conn.execute(sa.text("SELECT count(*) FROM serious_incident "
                                        "WHERE previous_reference IS NULL")).scalar() == 6
        downgrade(revision="0008")
        with db.engine.begin() as conn:
            assert "reference_counter" not in sa.inspect(conn).get_table_names()
        db.engine.dispose()
