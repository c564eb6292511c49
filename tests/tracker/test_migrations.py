"""The migrations build exactly the schema the models describe."""

import ast
import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from tests.migration_db import empty, own_database_app, own_database_url
from tracker import create_app
from tracker.extensions import db

# The revision before the one that gives panel items back to their meeting's partnership.
BEFORE_TRANSFER_FIX = "0008"


def _migrated_app(tmp_path):
    uri = f"sqlite:///{tmp_path / 'migrated.sqlite'}"
    return create_app({"CONFIG_CLASS": "test", "SQLALCHEMY_DATABASE_URI": uri})


# SQLite's reflection skips an index on an expression (ix_serious_incident_partnership_child,
# on lower(child_reference)), and autogenerate then skips it in the models too; the test of
# the triggers and indexes checks it by name, table and columns.
@pytest.mark.filterwarnings("ignore:.*expression-based index")
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


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_migrations_from_nothing_make_the_triggers_and_indexes_the_models_make(tmp_path):
    """An empty database upgraded to head (whatever head is) has the triggers (names and
    definitions, PostgreSQL's trigger functions too) and the indexes (names, tables, columns,
    uniqueness, partial predicates) of one made by create_all(), on the database the suite
    runs on. A migration carries the SQL of its own day, so when the models' SQL changes
    without a new migration this fails; so does a SQLite batch migration that loses a table's
    triggers. On PostgreSQL it uses a database of its own, named after the test database."""
    # On PostgreSQL both are the one database of the test's own, used in turn.
    made_url = own_database_url(tmp_path, "made.sqlite")
    migrated_url = own_database_url(tmp_path, "migrated.sqlite")
    made_app = create_app({"CONFIG_CLASS": "test", "SQLALCHEMY_DATABASE_URI": made_url})
    with made_app.app_context():
        empty(db.engine)
        db.create_all()
        made = _triggers_and_indexes(db.engine)
        db.engine.dispose()
    migrated_app = create_app({"CONFIG_CLASS": "test",
                               "SQLALCHEMY_DATABASE_URI": migrated_url})
    with migrated_app.app_context():
        empty(db.engine)
        upgrade()
        migrated = _triggers_and_indexes(db.engine)
        with db.engine.connect() as conn:  # tables and columns too, on this database
            assert compare_metadata(MigrationContext.configure(conn), db.metadata) == []
        empty(db.engine)
        db.engine.dispose()
    assert {"audit_event", "deadline", "cdr_case"} <= {table for table, *_ in
                                                       made["triggers"].values()}
    assert "ix_deadline_overdue" in made["indexes"]
    for kind in ("triggers", "indexes"):
        assert set(migrated[kind]) == set(made[kind]), f"{kind} made by one and not the other"
        for name, definition in made[kind].items():
            assert migrated[kind][name] == definition, f"{name} differs"


def _normal(sql: str | None) -> str:
    """SQL with its runs of white space made one space, and none inside brackets or around
    commas (how a statement is laid out is not what it does)."""
    sql = re.sub(r"\s+", " ", sql or "").strip()
    return re.sub(r"\s*([(),])\s*", r"\1", sql)


def _triggers_and_indexes(engine) -> dict:
    """{"triggers": {name: definition}, "indexes": {name: (table, columns, unique, where)}}."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            triggers = {name: (table, _normal(definition), _normal(function)) for
                        name, table, definition, function in conn.execute(sa.text(
                            "SELECT t.tgname, c.relname, pg_get_triggerdef(t.oid), "
                            "pg_get_functiondef(t.tgfoid) FROM pg_trigger t "
                            "JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal"))}
            indexes = {name: (table, _normal(definition)) for name, table, definition in
                       conn.execute(sa.text(
                           "SELECT indexname, tablename, indexdef FROM pg_indexes "
                           "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"))}
            return {"triggers": triggers, "indexes": indexes}
        triggers = {name: (table, _normal(sql)) for name, table, sql in conn.execute(sa.text(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"))}
        indexes = {}
        for name, table, sql in conn.execute(sa.text(
                "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' "
                "AND sql IS NOT NULL")):  # not the automatic indexes of constraints
            columns = [row[2] for row in conn.execute(sa.text(f'PRAGMA index_info("{name}")'))]
            unique = bool(re.match(r"\s*CREATE\s+UNIQUE", sql, re.IGNORECASE))
            where = re.split(r"\bWHERE\b", sql, maxsplit=1, flags=re.IGNORECASE)[1:]
            indexes[name] = (table, columns, unique, _normal(where[0]) if where else None)
        return {"triggers": triggers, "indexes": indexes}


def test_migrations_import_nothing_from_the_app():
    """A migration is frozen history: it carries its own SQL and names, never the app's (a
    tally module's trigger SQL imported by an old migration would run the new SQL)."""
    versions = Path(__file__).resolve().parents[2] / "migrations" / "versions"
    app_packages = {"tracker", "cdr", "reviews", "forms", "config"}
    importing = {}
    for script in sorted(versions.glob("*.py")):
        for node in ast.walk(ast.parse(script.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            if any(name.split(".")[0] in app_packages for name in names):
                importing.setdefault(script.name, []).extend(names)
    assert importing == {}


def test_migration_0009_gives_panel_items_back_to_their_meetings_partnership(tmp_path):
    """A case transferred before transfers took it off agendas left items that carry the new
    partnership on the old partnership's meetings: the upgrade gives them back the meeting's
    partnership, so they count for neither (cdr.models.panel.PanelItem.of_its_case)."""
    from tests.cdr.factories import make_case
    from tests.factories import make_partnership

    app = _migrated_app(tmp_path)
    items = "SELECT case_id, partnership_id FROM cdr_panel_item ORDER BY case_id"
    with app.app_context():
        # Made at head (the factories write every column the models have), then taken back
        # to the revision before the fix, which runs again on the way up.
        upgrade()
        old, new = make_partnership(code="NSP"), make_partnership(code="SVP")
        stays, moved = make_case(old), make_case(new)
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO cdr_panel_meeting (id, partnership_id, meeting_on, "
                                 "ics_sequence) VALUES (1, :old, '2025-03-24', 0)"),
                         {"old": old.id})
            for case, partnership in ((stays, old), (moved, new)):
                conn.execute(sa.text(
                    "INSERT INTO cdr_panel_item (meeting_id, case_id, partnership_id, position) "
                    "VALUES (1, :case, :partnership, 1)"),
                    {"case": case.id, "partnership": partnership.id})
        db.session.remove()
        downgrade(revision=BEFORE_TRANSFER_FIX)
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(sa.text(items)).all() == [(stays.id, old.id), (moved.id, old.id)]
        db.engine.dispose()


def test_migration_0010_fails_the_files_built_before_it(tmp_path):
    """A file built before its permissions were noted may be downloaded by nobody: the job
    says to make it again, and keeps its file's name for the sweep to delete it."""
    app = _migrated_app(tmp_path)
    with app.app_context():
        upgrade(revision="0008")
        users = sa.Table("user", sa.MetaData(), autoload_with=db.engine)
        values = {column.name: 0 if isinstance(column.type, sa.Integer | sa.Boolean)
                  else datetime(2025, 6, 2, 9) if isinstance(column.type, sa.DateTime)
                  else "x" for column in users.columns if not column.nullable}
        values.update(id=1, email="a@example.org")
        with db.engine.begin() as conn:
            conn.execute(sa.insert(users), values)
            for number, status in ((1, "ready"), (2, "queued")):
                conn.execute(sa.text(
                    "INSERT INTO export_job (id, user_id, kind, title, filename, arguments, "
                    "partnership_ids, status, token, created_at) VALUES (:id, 1, 'cdr.cases', "
                    "'Child death case list', 'x.xlsx', '[]', '1', :status, :token, "
                    "CURRENT_TIMESTAMP)"), {"id": number, "status": status,
                                            "token": f"t{number}"})
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT status, error, token, permissions "
                                        "FROM export_job ORDER BY id")).all()
        db.engine.dispose()
    assert rows == [("failed", "Made before the tracker was updated: make it again", "t1", None),
                    ("queued", None, "t2", None)]


def test_migration_0012_starts_each_counter_past_the_references_already_stored(tmp_path):
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


# --- 0015: closure days and overrides no longer move statutory and Panel deadlines -----------

_DEADLINE_ROWS = "SELECT id, rule_key, due_date, met_on, extended_to, extension_reason, " \
                 "paused_reason, not_applicable_reason FROM deadline ORDER BY id"


def _dates(rows):
    """Rows with their dates as dates (SQLite hands back text)."""
    from datetime import date

    return [tuple(date.fromisoformat(v) if isinstance(v, str) and len(v) == 10
                  and v[4] == "-" else v for v in row) for row in rows]


def test_migration_0015_moves_statutory_deadlines_and_keeps_every_date_and_reason(tmp_path):
    """The coroner's 3 working days from 22 December 2025 were stored as 5 January 2026 (the
    partnership closed on 24 and 29 to 31 December), the Panel's 5 as 14 January (closures and
    an override of 10): the upgrade makes them 29 and 31 December, keeps the met date, the
    extension and every reason, switches the override off, and records both moves; a local
    rule and another partnership's deadline stay. Down puts the old dates back; up again moves
    them again. On SQLite, and on PostgreSQL when the suite runs there."""
    from datetime import date

    from tracker import deadline_bulk, deadlines

    app = own_database_app(tmp_path)
    closed = [date(2025, 12, 24), date(2025, 12, 29), date(2025, 12, 30), date(2025, 12, 31)]

    class Before0015:
        """What the counting was before: closure days and overrides for every rule."""

        closure_dates = frozenset(closed)
        rule_overrides = {}

    aware = date(2025, 12, 22)
    local_due = deadlines.due_date("agency_information_request", aware, Before0015)
    rows = [  # id, partnership, rule, stored due, met, extended to, reasons
        (1, 1, "coroner_notification", date(2026, 1, 5), date(2026, 1, 2), date(2026, 1, 7),
         "Coroner's officer away", None, None),
        (2, 1, "panel_notification", date(2026, 1, 14), None, None, None,
         "Waiting for the police", None),
        (3, 1, "agency_information_request", local_due, None, None, None, None, None),
        (4, 2, "panel_notification", date(2025, 12, 31), None, None, None, None,
         "Not our child"),
    ]
    with app.app_context():
        empty(db.engine)
        upgrade(revision="0014_killed_builds")
        with db.engine.begin() as conn:
            for pid, code in ((1, "NSP"), (2, "SVP")):
                conn.execute(sa.text("INSERT INTO partnership (id, code, name, rules_version, "
                                     "created_at) VALUES (:id, :code, :code, 3, "
                                     "CURRENT_TIMESTAMP)"), {"id": pid, "code": code})
            for day in closed:
                conn.execute(sa.text("INSERT INTO closure_day (partnership_id, day, description,"
                                     " created_at) VALUES (1, :day, 'Office closed', "
                                     "CURRENT_TIMESTAMP)"), {"day": day})
            for key, amount in (("panel_notification", 10), ("agency_information_request", 15)):
                conn.execute(sa.text(
                    "INSERT INTO rule_override (partnership_id, rule_key, amount, reason, "
                    "updated_at, version) VALUES (1, :key, :amount, 'Agreed locally', "
                    "CURRENT_TIMESTAMP, 1)"), {"key": key, "amount": amount})
            for (ident, pid, key, due, met, extended, extension_reason, paused,
                 not_applicable) in rows:
                conn.execute(sa.text(
                    "INSERT INTO deadline (id, partnership_id, owner_type, owner_id, rule_key, "
                    "edition, item, trigger_date, due_date, met_on, extended_to, "
                    "extension_reason, paused_reason, not_applicable_reason, rules_version, "
                    "updated_at) VALUES (:id, :pid, 'serious_incident', :id, :key, 'WT2018', "
                    "'', :aware, :due, :met, :extended, :extension_reason, :paused, "
                    ":not_applicable, 3, CURRENT_TIMESTAMP)"),
                    {"id": ident, "pid": pid, "key": key, "aware": aware, "due": due,
                     "met": met, "extended": extended, "extension_reason": extension_reason,
                     "paused": paused, "not_applicable": not_applicable})
        with db.engine.connect() as conn:
            stored = _dates(conn.execute(sa.text(_DEADLINE_ROWS)).all())

        corrected = [
            (1, "coroner_notification", date(2025, 12, 29), date(2026, 1, 2), date(2026, 1, 7),
             "Coroner's officer away", None, None),
            (2, "panel_notification", date(2025, 12, 31), None, None, None,
             "Waiting for the police", None),
            stored[2], stored[3],
        ]
        for _ in range(2):  # up, down, up
            upgrade(revision="0015_closure_overrides")
            with db.engine.connect() as conn:
                assert _dates(conn.execute(sa.text(_DEADLINE_ROWS)).all()) == corrected
                assert _dates(conn.execute(sa.text(
                    "SELECT partnership_id, deadline_id, rule_key, old_due_date, new_due_date, "
                    "cause FROM deadline_correction ORDER BY deadline_id")).all()) == [
                    (1, 1, "coroner_notification", date(2026, 1, 5), date(2025, 12, 29),
                     "closure_days"),
                    (1, 2, "panel_notification", date(2026, 1, 14), date(2025, 12, 31),
                     "override_switched_off")]
                overrides = conn.execute(sa.text(
                    "SELECT rule_key, amount, switched_off_on IS NOT NULL FROM rule_override "
                    "ORDER BY rule_key")).all()
                assert [tuple(row) for row in overrides] == [
                    ("agency_information_request", 15, False), ("panel_notification", 10, True)]
            # The app counts exactly as the migration did: nothing left to move.
            assert deadline_bulk.recompute_all() == 0
            db.session.remove()
            downgrade(revision="0014_killed_builds")
            with db.engine.connect() as conn:
                assert _dates(conn.execute(sa.text(_DEADLINE_ROWS)).all()) == stored
                assert "switched_off_on" not in {
                    column["name"] for column in sa.inspect(conn).get_columns("rule_override")}
        empty(db.engine)
        db.engine.dispose()


def test_migration_0016_drops_the_panel_clocks_of_incidents_not_notifiable(tmp_path):
    """An incident without abuse or neglect known or suspected is not notifiable to the Panel:
    the upgrade deletes its Panel, partners' and rapid review deadlines, writing each to the
    audit trail with its met date, and keeps every other deadline (a looked-after child's
    Secretary of State and Ofsted clock); a national review's Panel decision is dated from
    the decision recorded. Tried up, down and up, on the database the suite runs on."""
    app = own_database_app(tmp_path)
    incident_sql = (
        "INSERT INTO serious_incident (id, partnership_id, reference, stage, incident_date, "
        "la_aware_on, child_died, looked_after, created_at, updated_at, "
        "abuse_or_neglect_suspected, child_reference, rules_edition, version, decision, "
        "decision_on) VALUES (:id, 1, :reference, 'notified', '2024-12-20', '2024-12-23', "
        "true, true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, :suspected, 'Child A', 'WT2018', 1, "
        ":decision, :decided)")
    deadline_sql = (
        "INSERT INTO deadline (partnership_id, owner_type, owner_id, rule_key, edition, item, "
        "trigger_date, due_date, met_on, extension_reason, rules_version, updated_at) VALUES "
        "(1, 'serious_incident', :owner, :rule, 'WT2018', '', '2024-12-23', '2025-01-02', "
        ":met, :reason, 0, CURRENT_TIMESTAMP)")
    kept = ("SELECT owner_id, rule_key FROM deadline WHERE owner_type = 'serious_incident' "
            "ORDER BY owner_id, rule_key")
    with app.app_context():
        empty(db.engine)
        upgrade(revision="0015_closure_overrides")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO partnership (id, code, name, rules_version, "
                                 "created_at) VALUES (1, 'NSP', 'NSP', 0, CURRENT_TIMESTAMP)"))
            conn.execute(sa.text(incident_sql), [
                {"id": 1, "reference": "CSPR-NSP-2024-0001", "suspected": True,
                 "decision": "national", "decided": date(2025, 2, 3)},
                {"id": 2, "reference": "CSPR-NSP-2024-0002", "suspected": False,
                 "decision": None, "decided": None}])
            for owner in (1, 2):
                for rule in ("panel_notification", "rapid_review",
                             "sos_ofsted_lac_notification"):
                    conn.execute(sa.text(deadline_sql), {
                        "owner": owner, "rule": rule,
                        "met": date(2024, 12, 30) if rule == "panel_notification" else None,
                        "reason": "Holiday cover" if rule == "rapid_review" else None})
            # A record that refers to an incident, and a notice about a national review's
            # clock (now the Panel's: dismissed by the upgrade).
            conn.execute(sa.text("INSERT INTO reviews_child_identity (id, incident_id, "
                                 "partnership_id, full_name) VALUES (1, 1, 1, "
                                 "'Testchild Invented')"))
            conn.execute(sa.text(deadline_sql), {"owner": 1, "rule": "national_publication",
                                                 "met": None, "reason": None})
            conn.execute(sa.text(
                "INSERT INTO \"user\" (id, email, full_name, role, password_hash, active, "
                "failed_logins, session_version, created_at, version, reminder_email, "
                "receives_escalations) VALUES (1, 'a@example.org', 'A', 'business_unit', 'x', "
                "true, 0, 0, CURRENT_TIMESTAMP, 1, 'digest', false)"))
            conn.execute(sa.text(
                "INSERT INTO reminder (subject_type, subject_id, stage, recipient_id, fire_date,"
                " partnership_id, policy_key, step, reference, link, due_date, created_at, "
                "claim) SELECT 'deadline', id, 'overdue', 1, '2025-09-01', 1, rule_key, 'Step', "
                "'CSPR-NSP-2024-0001', '/', due_date, CURRENT_TIMESTAMP, 'c' FROM deadline "
                "WHERE rule_key = 'national_publication'"))
        upgrade(revision="0016_notifiable_national")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text(
                "SELECT dismissed_at IS NOT NULL FROM reminder")).scalars().all() == [True]
            conn.execute(sa.text("DELETE FROM deadline WHERE rule_key = 'national_publication'"))
            conn.commit()
            assert conn.execute(sa.text(kept)).all() == [
                (1, "panel_notification"), (1, "rapid_review"),
                (1, "sos_ofsted_lac_notification"), (2, "sos_ofsted_lac_notification")]
            trail = conn.execute(sa.text(
                "SELECT object_label, changes FROM audit_event WHERE action = 'delete' "
                "AND object_type = 'Deadline' ORDER BY object_label")).all()
            assert [label for label, _ in trail] == ["panel_notification", "rapid_review"]
            changes = [c if isinstance(c, dict) else json.loads(c) for _, c in trail]
            assert changes[0]["met_on"] == ["2024-12-30", None]
            assert changes[1]["extension_reason"] == ["Holiday cover", None]
            dated = conn.execute(sa.text(
                "SELECT id, panel_decision_on, abuse_or_neglect_known_on FROM serious_incident "
                "ORDER BY id")).all()
            assert [tuple(None if v is None else str(v) for v in row) for row in dated] == [
                ("1", "2025-02-03", None), ("2", None, None)]
        downgrade(revision="0015_closure_overrides")
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("serious_incident")}
            assert not {"panel_decision_on", "abuse_or_neglect_known_on"} & columns
            # SQLite rebuilt the table: what refers to an incident is still there.
            assert conn.execute(sa.text(
                "SELECT full_name FROM reviews_child_identity")).scalars().all() == [
                "Testchild Invented"]
        upgrade(revision="0016_notifiable_national")
        with db.engine.connect() as conn:
            assert len(conn.execute(sa.text(kept)).all()) == 4
        empty(db.engine)
        db.engine.dispose()


def test_migration_0020_gives_wt2023_local_reviews_ofsteds_copy_and_each_told_date(tmp_path):
    """A local review under Working Together 2023 with its copies' deadline stored gets
    Ofsted's copy deadline (same owner, trigger and due date; met on Ofsted's copy date when
    the incident holds one); a WT2018 review and a national review do not. The one date the
    Panel, Ofsted and DfE were told becomes Ofsted's and the DfE's too. The tally counts the
    new rows. Tried up, down and up, on the database the suite runs on."""
    app = own_database_app(tmp_path)
    incident_sql = (
        "INSERT INTO serious_incident (id, partnership_id, reference, stage, incident_date, "
        "la_aware_on, child_died, looked_after, created_at, updated_at, "
        "abuse_or_neglect_suspected, child_reference, rules_edition, version, decision, "
        "decision_on, decision_informed_on, ofsted_copy_sent_on) VALUES (:id, 1, :reference, "
        "'review', '2026-01-05', '2026-01-06', true, false, CURRENT_TIMESTAMP, "
        "CURRENT_TIMESTAMP, true, 'Child A', :edition, 1, :decision, '2026-02-02', :told, "
        ":ofsted)")
    deadline_sql = (
        "INSERT INTO deadline (partnership_id, owner_type, owner_id, rule_key, edition, item, "
        "trigger_date, earliest_date, due_date, met_on, rules_version, updated_at) VALUES "
        "(1, 'serious_incident', :owner, :rule, :edition, '', '2026-06-08', NULL, "
        "'2026-05-27', '2026-05-20', 0, CURRENT_TIMESTAMP)")
    ofsted = ("SELECT owner_id, edition, trigger_date, due_date, met_on FROM deadline "
              "WHERE rule_key = 'cspr_prepublication_ofsted' ORDER BY owner_id")
    tallied = ("SELECT COALESCE(SUM(n), 0) FROM deadline_tally "
               "WHERE rule_key = 'cspr_prepublication_ofsted'")
    with app.app_context():
        empty(db.engine)
        upgrade(revision="0019_care_leaver_deaths")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO partnership (id, code, name, rules_version, "
                                 "created_at) VALUES (1, 'NSP', 'NSP', 0, CURRENT_TIMESTAMP)"))
            conn.execute(sa.text(incident_sql), [
                {"id": 1, "reference": "CSPR-NSP-2026-0001", "edition": "WT2023",
                 "decision": "local", "told": date(2026, 2, 3), "ofsted": None},
                {"id": 2, "reference": "CSPR-NSP-2026-0002", "edition": "WT2023",
                 "decision": "local", "told": None, "ofsted": date(2026, 5, 21)},
                {"id": 3, "reference": "CSPR-NSP-2023-0003", "edition": "WT2018",
                 "decision": "local", "told": None, "ofsted": None},
                {"id": 4, "reference": "CSPR-NSP-2026-0004", "edition": "WT2023",
                 "decision": "national", "told": None, "ofsted": None}])
            for owner, edition in ((1, "WT2023"), (2, "WT2023"), (3, "WT2018")):
                conn.execute(sa.text(deadline_sql), {"owner": owner, "edition": edition,
                                                     "rule": "cspr_prepublication_copies"})
            conn.execute(sa.text(deadline_sql), {"owner": 4, "edition": "WT2023",
                                                 "rule": "national_prepublication_copies"})
        upgrade(revision="0020_review_steps_2023")
        with db.engine.connect() as conn:
            rows = [tuple(None if v is None else str(v) for v in row)
                    for row in conn.execute(sa.text(ofsted)).all()]
            assert rows == [("1", "WT2023", "2026-06-08", "2026-05-27", None),
                            ("2", "WT2023", "2026-06-08", "2026-05-27", "2026-05-21")]
            assert conn.execute(sa.text(tallied)).scalar() == 2
            told = conn.execute(sa.text(
                "SELECT id, decision_informed_on, decision_ofsted_told_on, decision_dfe_told_on "
                "FROM serious_incident ORDER BY id")).all()
            assert [tuple(None if v is None else str(v) for v in row) for row in told][:2] == [
                ("1", "2026-02-03", "2026-02-03", "2026-02-03"), ("2", None, None, None)]
        downgrade(revision="0019_care_leaver_deaths")
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("serious_incident")}
            assert not {"decision_ofsted_told_on", "decision_dfe_told_on"} & columns
            assert conn.execute(sa.text(ofsted)).all() == []
            assert conn.execute(sa.text(tallied)).scalar() == 0
            assert conn.execute(sa.text(
                "SELECT COUNT(*) FROM deadline")).scalar() == 4
        upgrade(revision="0020_review_steps_2023")
        with db.engine.connect() as conn:
            assert len(conn.execute(sa.text(ofsted)).all()) == 2
            assert conn.execute(sa.text(tallied)).scalar() == 2
        empty(db.engine)
        db.engine.dispose()


def test_migration_0019_adds_care_leavers_to_incidents_that_are_not_and_goes_back(tmp_path):
    """Every existing incident is not a care leaver (no age recorded) and keeps its
    deadlines; the downgrade takes the columns away with the care leaver clocks they started,
    keeping every other deadline and what refers to the incident. Up, down and up, on the
    database the suite runs on."""
    app = own_database_app(tmp_path)
    deadline_sql = (
        "INSERT INTO deadline (partnership_id, owner_type, owner_id, rule_key, edition, item, "
        "trigger_date, due_date, met_on, rules_version, updated_at) VALUES (1, "
        "'serious_incident', 1, :rule, 'WT2023', '', '2026-12-21', '2026-12-30', :met, 0, "
        "CURRENT_TIMESTAMP)")
    kept = "SELECT rule_key, met_on FROM deadline ORDER BY rule_key"
    with app.app_context():
        empty(db.engine)
        upgrade(revision="0018_rules_editions")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO partnership (id, code, name, rules_version, "
                                 "created_at) VALUES (1, 'NSP', 'NSP', 0, CURRENT_TIMESTAMP)"))
            conn.execute(sa.text(
                "INSERT INTO serious_incident (id, partnership_id, reference, stage, "
                "incident_date, la_aware_on, child_died, looked_after, created_at, updated_at, "
                "abuse_or_neglect_suspected, child_reference, rules_edition, version, "
                "converted) VALUES (1, 1, 'CSPR-NSP-2026-0001', 'notified', '2026-12-19', "
                "'2026-12-21', true, true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, true, "
                "'Child A', 'WT2023', 1, false)"))
            conn.execute(sa.text(deadline_sql), {"rule": "sos_ofsted_lac_notification",
                                                 "met": date(2026, 12, 22)})
            conn.execute(sa.text("INSERT INTO reviews_child_identity (id, incident_id, "
                                 "partnership_id, full_name) VALUES (1, 1, 1, "
                                 "'Testchild Invented')"))
        upgrade(revision="0019_care_leaver_deaths")
        with db.engine.begin() as conn:
            assert conn.execute(sa.text(
                "SELECT care_leaver, age_at_death_years FROM serious_incident")).one() == (
                False, None)
            # As the app would store it for a care leaver's death.
            conn.execute(sa.text("UPDATE serious_incident SET looked_after = false, "
                                 "care_leaver = true, age_at_death_years = 24"))
            conn.execute(sa.text(deadline_sql), {"rule": "care_leaver_death_notification",
                                                 "met": None})
        downgrade(revision="0018_rules_editions")
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("serious_incident")}
            assert not {"care_leaver", "age_at_death_years"} & columns
            assert [(rule, str(met)) for rule, met in conn.execute(sa.text(kept))] == [
                ("sos_ofsted_lac_notification", "2026-12-22")]
            assert conn.execute(sa.text(
                "SELECT full_name FROM reviews_child_identity")).scalars().all() == [
                "Testchild Invented"]
        upgrade(revision="0019_care_leaver_deaths")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text(
                "SELECT care_leaver, age_at_death_years FROM serious_incident")).one() == (
                False, None)
        empty(db.engine)
        db.engine.dispose()


def test_migration_0018_moves_cases_from_15_december_2023_to_working_together_2023(tmp_path):
    """A death on 14 December 2023 stays under Working Together 2018, one on 15 December moves
    to 2023 with its agency request and every stored deadline (same due dates, met dates,
    extensions and reasons); an incident the local authority knew of in 2024 and a yearly
    report published in 2023 likewise. Down puts them back (dropping a 2023-only clock); up
    again moves them again. On SQLite, and on PostgreSQL when the suite runs there."""
    app = own_database_app(tmp_path)
    case_sql = (
        "INSERT INTO cdr_case (id, partnership_id, reference, stage, date_of_death, "
        "notification_received_on, rules_edition, version, created_at, updated_at, "
        "age_uncertain, looked_after, child_protection_plan, known_to_social_care, "
        "abuse_or_neglect_suspected, coroner_investigating, post_mortem_ordered, "
        "jar_external_causes, jar_sudden_unexplained, jar_custody_or_detained, "
        "jar_suspicious, jar_unattended_stillbirth, jar_required, information_complete) "
        "VALUES (:id, 1, :reference, 'notified', :died, :died, 'WT2018', 1, CURRENT_TIMESTAMP, "
        "CURRENT_TIMESTAMP, false, false, false, false, false, false, false, false, false, "
        "false, false, false, false, false)")
    deadline_sql = (
        "INSERT INTO deadline (id, partnership_id, owner_type, owner_id, rule_key, edition, "
        "item, trigger_date, due_date, met_on, extended_to, extension_reason, paused_reason, "
        "not_applicable_reason, rules_version, updated_at) VALUES (:id, 1, :owner_type, "
        ":owner_id, :rule, 'WT2018', '', :trigger, :due, :met, :extended, :why_extended, "
        ":paused, :not_applicable, 0, CURRENT_TIMESTAMP)")
    rows = [  # id, owner type, owner id, rule, trigger, due, met, extended, three reasons
        (1, "cdr_case", 1, "rr_meeting_1", "2023-12-14", "2023-12-19", "2023-12-18", None,
         None, None, None),
        (2, "cdr_case", 2, "rr_meeting_1", "2023-12-15", "2023-12-20", "2023-12-19", None,
         None, None, None),
        (3, "cdr_case", 2, "coroner_notification", "2023-12-18", "2023-12-21", None,
         "2024-01-05", "Coroner's officer away", None, None),
        (4, "cdr_agency_request", 2, "agency_information_request", "2024-01-02",
         "2024-01-23", None, None, None, "Waiting for the school", None),
        (5, "serious_incident", 1, "panel_notification", "2024-02-01", "2024-02-08", None,
         None, None, None, "Not notifiable after all"),
        (6, "reviews_yearly_report", 1, "yearly_report", "2023-11-30", "2024-11-30", None,
         None, None, None, None),
    ]
    every = ("SELECT id, edition, due_date, met_on, extended_to, extension_reason, "
             "paused_reason, not_applicable_reason FROM deadline ORDER BY id")
    editions = ("SELECT 'case', id, rules_edition FROM cdr_case UNION ALL SELECT 'request', id, "
                "rules_edition FROM cdr_agency_request UNION ALL SELECT 'incident', id, "
                "rules_edition FROM serious_incident UNION ALL SELECT 'yearly', id, "
                "rules_edition FROM reviews_yearly_report ORDER BY 1, 2")

    def read(conn, sql):
        return [tuple(None if v is None else str(v) for v in row)
                for row in conn.execute(sa.text(sql)).all()]

    with app.app_context():
        empty(db.engine)
        upgrade(revision="0017_pg_page_indexes")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO partnership (id, code, name, rules_version, "
                                 "created_at) VALUES (1, 'NSP', 'NSP', 0, CURRENT_TIMESTAMP)"))
            conn.execute(sa.text(case_sql), [
                {"id": 1, "reference": "CDOP-NSP-2023-0001", "died": date(2023, 12, 14)},
                {"id": 2, "reference": "CDOP-NSP-2023-0002", "died": date(2023, 12, 15)}])
            conn.execute(sa.text(
                "INSERT INTO cdr_agency_request (id, case_id, partnership_id, agency, sent_on, "
                "rules_edition, version) VALUES (:id, :id, 1, 'School', '2024-01-02', 'WT2018', "
                "1)"), [{"id": 1}, {"id": 2}])
            conn.execute(sa.text(
                "INSERT INTO serious_incident (id, partnership_id, reference, stage, "
                "incident_date, la_aware_on, child_died, looked_after, created_at, updated_at, "
                "abuse_or_neglect_suspected, child_reference, rules_edition, version, "
                "converted) VALUES (1, 1, 'CSPR-NSP-2024-0001', 'notified', '2024-01-30', "
                "'2024-02-01', false, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, false, "
                "'Child A', 'WT2018', 1, false)"))
            conn.execute(sa.text(
                "INSERT INTO reviews_yearly_report (id, partnership_id, published_on, "
                "rules_edition, version) VALUES (1, 1, '2023-11-30', 'WT2018', 1)"))
            keys = ("id", "owner_type", "owner_id", "rule", "trigger", "due", "met",
                    "extended", "why_extended", "paused", "not_applicable")
            conn.execute(sa.text(deadline_sql), [
                {k: (date.fromisoformat(v) if k in ("trigger", "due", "met", "extended") and v
                     else v) for k, v in zip(keys, row, strict=True)} for row in rows])
        with db.engine.connect() as conn:
            before = read(conn, every)
        assert {row[1] for row in before} == {"WT2018"}
        moved = {2, 3, 4, 5}
        after = [(row[0], "WT2023" if int(row[0]) in moved else "WT2018", *row[2:])
                 for row in before]
        for _ in range(2):  # up, down, up
            upgrade(revision="0018_rules_editions")
            with db.engine.connect() as conn:
                assert read(conn, every) == after
                assert read(conn, editions) == [
                    ("case", "1", "WT2018"), ("case", "2", "WT2023"),
                    ("incident", "1", "WT2023"), ("request", "1", "WT2018"),
                    ("request", "2", "WT2023"), ("yearly", "1", "WT2018")]
            with db.engine.begin() as conn:  # a clock only Working Together 2023 has
                conn.execute(sa.text(deadline_sql), {
                    "id": 7, "owner_type": "serious_incident", "owner_id": 1,
                    "rule": "care_leaver_death_notification", "trigger": date(2024, 2, 1),
                    "due": date(2024, 2, 8), "met": None, "extended": None,
                    "why_extended": None, "paused": None, "not_applicable": None})
            downgrade(revision="0017_pg_page_indexes")
            with db.engine.connect() as conn:
                assert read(conn, every) == before
                assert {row[2] for row in read(conn, editions)} == {"WT2018"}
        empty(db.engine)
        db.engine.dispose()


def test_migration_0029_gives_the_timeline_the_words_cdop_meeting_and_goes_back(tmp_path):
    """The stored timeline lines that named a "CDOP panel meeting" say "CDOP meeting" (the
    words the app now writes); other lines are untouched; the downgrade puts the old words
    back. The NCMD columns start empty. On the database the suite runs on."""
    app = own_database_app(tmp_path)
    entry_sql = (
        "INSERT INTO timeline_entry (id, partnership_id, owner_type, owner_id, occurred_at, "
        "kind, text) VALUES (:id, 1, 'cdr_case', 1, CURRENT_TIMESTAMP, 'panel', :text)")
    texts = "SELECT text FROM timeline_entry ORDER BY id"
    with app.app_context():
        empty(db.engine)
        upgrade(revision="0023_home_indexes")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO partnership (id, code, name, rules_version, "
                                 "created_at) VALUES (1, 'NSP', 'NSP', 0, CURRENT_TIMESTAMP)"))
            conn.execute(sa.text(entry_sql), [
                {"id": 1, "text": "Added to the agenda of the CDOP panel meeting of 1 April 2026"},
                {"id": 2, "text": "CDOP panel review completed (Infection). Case closed."},
            ])
        upgrade(revision="0029_ncmd")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text(texts)).scalars().all() == [
                "Added to the agenda of the CDOP meeting of 1 April 2026",
                "CDOP panel review completed (Infection). Case closed."]
        downgrade(revision="0023_home_indexes")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text(texts)).scalars().all() == [
                "Added to the agenda of the CDOP panel meeting of 1 April 2026",
                "CDOP panel review completed (Infection). Case closed."]
            columns = {c["name"] for c in sa.inspect(conn).get_columns("cdr_case")}
            assert not {name for name in columns if name.startswith("ncmd_")}
        empty(db.engine)
        db.engine.dispose()


def test_migration_0031_takes_who_decided_out_of_the_timeline_and_goes_back(tmp_path):
    """The stored timeline lines of a decision that no post-mortem will be held lose who
    decided (free text that may be a person's name); other lines are untouched. The further
    notifications' columns are added and dropped again. On the database the suite runs on."""
    app = own_database_app(tmp_path)
    entry_sql = (
        "INSERT INTO timeline_entry (id, partnership_id, owner_type, owner_id, occurred_at, "
        "kind, text) VALUES (:id, 1, 'cdr_case', 1, CURRENT_TIMESTAMP, :kind, :text)")
    texts = "SELECT text FROM timeline_entry ORDER BY id"
    tail = ": the third rapid response meeting is not needed"
    kept = ["Record that no post-mortem will be held removed",
            "Death notified by the coroner (decided by nobody): case CDOP-NSP-2025-0001 opened"]
    with app.app_context():
        empty(db.engine)
        upgrade(revision="0029_ncmd")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO partnership (id, code, name, rules_version, "
                                 "created_at) VALUES (1, 'NSP', 'NSP', 0, CURRENT_TIMESTAMP)"))
            conn.execute(sa.text(entry_sql), [
                {"id": 1, "kind": "post_mortem",
                 "text": f"No post-mortem will be held (decided by Dr Ann Example, coroner's "
                         f"officer){tail}"},
                {"id": 2, "kind": "post_mortem",
                 "text": f"The coroner has not taken the case (decided by Jo Bloggs (HM "
                         f"Coroner)){tail}"},
                {"id": 3, "kind": "post_mortem", "text": kept[0]},
                {"id": 4, "kind": "notification", "text": kept[1]},
            ])
        upgrade(revision="0031_further_notifications")
        expected = [f"No post-mortem will be held{tail}",
                    f"The coroner has not taken the case{tail}", *kept]
        with db.engine.connect() as conn:
            assert conn.execute(sa.text(texts)).scalars().all() == expected
            assert "answers" in {c["name"] for c in
                                 sa.inspect(conn).get_columns("cdr_notification")}
        downgrade(revision="0029_ncmd")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text(texts)).scalars().all() == expected
            assert "notification_id" not in {c["name"] for c in
                                             sa.inspect(conn).get_columns("cdr_case_agency")}
        empty(db.engine)
        db.engine.dispose()


def test_migration_0043_unseals_the_secrets_to_go_back_and_refuses_with_another_key(tmp_path):
    """The downgrade gives the old code a secret it reads (plain, in 64 characters: on
    PostgreSQL a sealed one does not fit) and the upgrade takes it back as it is; a secret
    sealed under another key stops the downgrade, with nothing changed. On the database the
    suite runs on."""
    from tracker.two_factor import seal, unseal

    app = own_database_app(tmp_path)
    plain = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    secret_of = "SELECT secret FROM second_factor WHERE user_id = 1"
    version = "SELECT version_num FROM alembic_version"

    def width(conn):
        (column,) = [c for c in sa.inspect(conn).get_columns("second_factor")
                     if c["name"] == "secret"]
        return column["type"].length

    with app.app_context():
        empty(db.engine)
        upgrade(revision="0043_two_factor_sealed")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                'INSERT INTO "user" (id, email, full_name, role, password_hash, active, '
                "failed_logins, session_version, created_at) VALUES (1, 'a@example.org', "
                "'A', 'cdop_admin', 'x', TRUE, 0, 0, CURRENT_TIMESTAMP)"))
            conn.execute(sa.text(
                "INSERT INTO second_factor (user_id, secret, created_at) "
                "VALUES (1, :secret, CURRENT_TIMESTAMP)"), {"secret": seal(plain)})

        app.config["TWO_FACTOR_KEY"] = "another key, not the one it was sealed with"
        with pytest.raises(SystemExit):  # Flask-Migrate logs the migration's message
            downgrade(revision="0038_agency_chasing")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text(version)).scalar() == "0043_two_factor_sealed"
            assert unseal(conn.execute(sa.text(secret_of)).scalar()) is None  # still sealed
        app.config["TWO_FACTOR_KEY"] = None

        downgrade(revision="0038_agency_chasing")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text(secret_of)).scalar() == plain
            assert width(conn) == 64
        upgrade(revision="0043_two_factor_sealed")
        with db.engine.connect() as conn:
            stored = conn.execute(sa.text(secret_of)).scalar()
            assert width(conn) == 255
        assert unseal(stored) == plain  # read as it is until it is sealed
        empty(db.engine)
        db.engine.dispose()
