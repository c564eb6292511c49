"""Flask extensions, created unbound and bound in create_app."""

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic migrations work the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The largest id (or other integer) the database holds: ids are INTEGER columns, 32-bit and
# signed on PostgreSQL (SQLite's are 64-bit), so a larger one would overflow the query.
LARGEST_ID = 2**31 - 1


class Base(DeclarativeBase):
    """Declarative base with the naming convention."""

    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def _sqlite_from_hint(self, table, text):
    """SQLite reads a query's index hint after the table's name (`cdr_case INDEXED BY ix`):
    SQLAlchemy's SQLite compiler drops `select().with_hint(table, text, "sqlite")` hints,
    so render them as written. Used where SQLite's statistics (one average per index, blind
    to skew: most cases have no `closed_on`) would choose a worse index than the one built
    for the query; PostgreSQL ignores SQLite's hints."""
    return text


SQLiteCompiler.get_from_hint_text = _sqlite_from_hint
