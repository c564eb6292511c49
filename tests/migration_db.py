"""A second database of a test's own, for the tests that migrate one up and down or load an
archive into an empty install: on PostgreSQL the suite's `<test database>_migrations`, else a
new SQLite file in the test's temporary folder."""

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tracker import create_app


def own_postgres_database(url: str) -> str:
    """The URL of `<test database>_migrations`, which must exist and belong to the suite's
    role (.ci/run makes it; `CREATE DATABASE … OWNER tracker` as postgres otherwise)."""
    test_url = make_url(url)
    own = test_url.set(database=f"{test_url.database}_migrations")
    engine = sa.create_engine(test_url)
    with engine.connect() as conn:
        exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                              {"name": own.database}).scalar()
    engine.dispose()
    assert exists, (f"database {own.database} is missing: create it owned by "
                    f"{test_url.username} (as .ci/run does)")
    return own.render_as_string(hide_password=False)


def own_database_url(tmp_path, sqlite_file: str = "migrated.sqlite") -> str:
    """The URL of the test's own database on the database the suite runs on (the SQLite file
    named `sqlite_file` in `tmp_path`). Empty it with `empty` before use."""
    url = create_app({"CONFIG_CLASS": "test"}).config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql"):
        return own_postgres_database(url)
    return f"sqlite:///{tmp_path / sqlite_file}"


def own_database_app(tmp_path, sqlite_file: str = "migrated.sqlite"):
    """An app on the test's own database (see own_database_url)."""
    return create_app({"CONFIG_CLASS": "test",
                       "SQLALCHEMY_DATABASE_URI": own_database_url(tmp_path, sqlite_file)})


def empty(engine) -> None:
    """Nothing left in the PostgreSQL database: no table, trigger, function or version (a
    SQLite database here is a new file)."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
