"""A partnership's data, whole: an archive a system administrator can take away, and load.

`write_archive(partnership, fileobj)` writes a ZIP holding, for every table the partnership's
data is in, one JSON lines file (`tables/<table>.jsonl`: one row a line, a JSON object of
column to value, in primary key order), a data dictionary (`data-dictionary.json` and a
readable `data-dictionary.md`: each table and column with its type, whether it may be empty,
its foreign key and what it means, from the models' docstrings and comments) and a manifest
(`manifest.json`: the schema revision, when it was made, the partnership's code, the rows
and the sha256 of every file). JSON lines rather than CSV: a value keeps its type (a number,
true/false, an empty value as null and never as an empty string, a JSON column as JSON), so
the archive loads back exactly, and any language reads it a line at a time.

Which tables are in it is worked out from the metadata (`archived_tables`), never a hand list,
so a new table is carried as soon as it exists:
- every table with a `partnership_id` column, its rows of the partnership;
- every table with a foreign key to one of those (a child), its rows whose parent is carried;
- the rows of the tables those point at that hold no partnership of their own (`user` and
  `partnership`): the partnership itself, its users and every user or partnership a carried
  row names (the author of an audit row, the partnership a case came from), so the archive
  loads on its own.
Left out, with the reason in the data dictionary: NOT_ARCHIVED (secrets and short-lived
working rows) and, column by column, WITHHELD (password hashes and token hashes: an archive
never holds a credential). Tables nothing of the partnership is in (a user's own second
factor, saved searches, export jobs, the scheduler's runs) are not reached. The bank holidays
and the roles are in the code, not the database, so they come with the install.

The load is tracker.archive_load.
"""

from __future__ import annotations

import base64
import hashlib
import inspect
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from tracker.extensions import db
from tracker.timeutil import utcnow

FORMAT = "tracker-partnership-archive/1"
# Tables never carried, and why (the data dictionary says it).
NOT_ARCHIVED = {
    "agency_code": "one-time codes sent to agency contacts (secrets, minutes long)",
    "agency_session": "agency contacts' signed-in sessions (secrets)",
    "cdr_public_form_use": "the public form's rate-limit counts (hashed addresses of "
                           "members of the public, an hour long)",
}
# Columns never carried (credentials), and the value a load gives a column that may not be
# empty: "" for a password (nothing verifies against it) or a fresh random hash.
WITHHELD = {
    ("user", "password_hash"): "",
    ("agency_link", "token_hash"): "random",
    ("cdr_public_notification", "token_hash"): None,
}
# The table of partnerships: the root.
ROOT = "partnership"
# What the audit row of an archive export says.
AUDIT_DETAIL = "Data archive of the whole partnership"


class ArchiveError(Exception):
    """Why an archive cannot be made or loaded (said to the user as it is)."""


def is_tally(table: sa.Table) -> bool:
    """A table the database keeps by triggers (tracker.compliance_tally, cdr.report_tally)."""
    return table.name.endswith("_tally")


@dataclass
class Plan:
    """The tables to carry, in the metadata's dependency order, and how each is reached."""

    scoped: list[sa.Table] = field(default_factory=list)
    children: list[sa.Table] = field(default_factory=list)
    parents: list[sa.Table] = field(default_factory=list)

    @property
    def tables(self) -> list[sa.Table]:
        """Every carried table, parents before children."""
        carried = {t.name for t in (*self.scoped, *self.children, *self.parents)}
        return [t for t in db.metadata.sorted_tables if t.name in carried]


def archived_tables() -> Plan:
    """Walk the metadata: the tables with a partnership, their children, their parents."""
    plan = Plan()
    tables = [t for t in db.metadata.sorted_tables if t.name not in NOT_ARCHIVED]
    plan.scoped = [t for t in tables if "partnership_id" in t.c]
    carried = {t.name for t in plan.scoped}
    grew = True
    while grew:
        grew = False
        for table in tables:
            if table.name in carried or table.name == ROOT or "partnership_id" in table.c:
                continue
            if any(fk.column.table.name in carried and fk.column.table.name != ROOT
                   for fk in table.foreign_keys):
                plan.children.append(table)
                carried.add(table.name)
                grew = True
    referenced = {fk.column.table.name for name in carried
                  for fk in db.metadata.tables[name].foreign_keys} | {ROOT}
    plan.parents = [t for t in tables if t.name in referenced - carried]
    return plan


def _where(plan: Plan, table: sa.Table, partnership_id: int, referenced: dict) -> sa.ColumnElement:
    """The rows of `table` that are the partnership's."""
    if table in plan.scoped:
        return table.c.partnership_id == partnership_id
    if table in plan.children:
        conditions = []
        for fk in table.foreign_keys:
            parent = fk.column.table
            if parent in plan.scoped or parent in plan.children:
                conditions.append(fk.parent.in_(
                    sa.select(fk.column).where(_where(plan, parent, partnership_id, referenced))))
        return sa.or_(*conditions)
    ids = referenced.get(table.name, set())
    if table.name == ROOT:
        ids = ids | {partnership_id}
    (key,) = table.primary_key.columns
    return key.in_(sorted(ids)) if ids else sa.false()


def _referenced_ids(plan: Plan, partnership_id: int) -> dict[str, set]:
    """The ids of the parent rows (users, partnerships) the carried rows name."""
    parents = {t.name for t in plan.parents}
    found: dict[str, set] = {name: set() for name in parents}
    for table in (*plan.scoped, *plan.children):
        for fk in table.foreign_keys:
            if fk.column.table.name in parents:
                where = _where(plan, table, partnership_id, {})
                found[fk.column.table.name].update(db.session.scalars(
                    sa.select(fk.parent).where(where, fk.parent.is_not(None)).distinct()))
    return found


def _columns(table: sa.Table) -> list[sa.Column]:
    return [c for c in table.c if (table.name, c.name) not in WITHHELD]


def plain(value):
    """A column's value as JSON."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


def schema_revision() -> str:
    """The database's migration (alembic_version), or, for a schema made by create_all, the
    migrations' head (the schema the models make)."""
    try:
        with db.session.begin_nested():
            version = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    except sa.exc.DBAPIError:
        version = None
    if version:
        return version
    from alembic.script import ScriptDirectory

    migrate = current_app.extensions["migrate"]
    config = migrate.migrate.get_config(migrate.directory)
    return ",".join(sorted(ScriptDirectory.from_config(config).get_heads()))


# --- The data dictionary ------------------------------------------------------------------

_COMMENT = re.compile(r"^\s*#\s?(.*)$")
_FIELD = re.compile(r"^\s*(\w+)\s*(:|=)")


def _comments(cls) -> dict[str, str]:
    """What the model's source says of each column: the comment lines just above its line
    and the comment at its end."""
    try:
        lines = inspect.getsource(cls).splitlines()
    except (OSError, TypeError):
        return {}
    found, above = {}, []
    for line in lines:
        comment = _COMMENT.match(line)
        if comment:
            above.append(comment.group(1).strip())
            continue
        name = _FIELD.match(line)
        if name:
            inline = line.split("  # ", 1)[1].strip() if "  # " in line else ""
            text = " ".join([*above, inline]).strip()
            if text:
                found.setdefault(name.group(1), text)
        above = []
    return found


def _models() -> dict[str, type]:
    """Each table's mapped class."""
    found = {}
    for mapper in db.Model.registry.mappers:
        table = getattr(mapper, "local_table", None)
        if table is not None:
            found.setdefault(table.name, mapper.class_)
    return found


def data_dictionary(plan: Plan) -> dict:
    """Each carried table and column: type, may be empty, foreign key, meaning."""
    models = _models()
    tables = {}
    for table in plan.tables:
        cls = models.get(table.name)
        notes = _comments(cls) if cls is not None else {}
        how = ("the partnership's rows" if table in plan.scoped
               else "rows whose parent is carried" if table in plan.children
               else "the partnership and the users and partnerships its rows name")
        doc = inspect.getdoc(cls) if cls is not None else None
        tables[table.name] = {
            "meaning": (doc or table.comment or (
                "Counts the database keeps by triggers for the reports" if is_tally(table)
                else "")).split("\n\n")[0].replace("\n", " "),
            "rows": how,
            "kept_by_triggers": is_tally(table),
            "primary_key": [c.name for c in table.primary_key.columns],
            "columns": [{
                "name": c.name,
                "type": str(c.type.compile(dialect=db.engine.dialect)),
                "nullable": bool(c.nullable),
                "foreign_key": ", ".join(f"{fk.column.table.name}.{fk.column.name}"
                                         for fk in c.foreign_keys) or None,
                "meaning": c.comment or notes.get(c.name) or "",
            } for c in _columns(table)],
            "withheld": [name for (t, name) in WITHHELD if t == table.name],
        }
    return {"tables": tables, "not_archived": NOT_ARCHIVED,
            "withheld": {f"{t}.{c}": "a credential: never archived" for (t, c) in WITHHELD}}


def _dictionary_markdown(dictionary: dict) -> str:
    lines = ["# Data dictionary", "",
             "One JSON lines file a table under `tables/`: one row a line, a JSON object of "
             "column to value. Dates and times are ISO 8601 (times in UTC), an empty value is "
             "null.", ""]
    for name, table in dictionary["tables"].items():
        lines += [f"## {name}", "", table["meaning"] or "(no description)", "",
                  f"Rows: {table['rows']}." + (" Kept by database triggers: made again "
                                               "on load, not loaded." if table["kept_by_triggers"]
                                               else ""), "",
                  "| column | type | may be empty | refers to | meaning |",
                  "|---|---|---|---|---|"]
        for c in table["columns"]:
            meaning = c["meaning"].replace("|", "\\|")
            lines.append(f"| {c['name']} | {c['type']} | {'yes' if c['nullable'] else 'no'} "
                         f"| {c['foreign_key'] or ''} | {meaning} |")
        if table["withheld"]:
            lines += ["", "Withheld (credentials): " + ", ".join(table["withheld"]) + "."]
        lines.append("")
    lines += ["## Not archived", ""]
    lines += [f"- `{name}`: {why}" for name, why in dictionary["not_archived"].items()]
    return "\n".join(lines) + "\n"


# --- Export --------------------------------------------------------------------------------

@dataclass
class Written:
    """What an export wrote: rows per table."""

    rows: dict[str, int]


def _without_secrets(table: sa.Table, row: dict) -> dict:
    """A row as archived: an e-mail that carries an agency's personal link or one-time code
    and is not yet sent (its body is blanked once sent) keeps no body in the archive."""
    from tracker import mail

    if table.name == mail.OutboundEmail.__tablename__ and row.get("kind") in mail.SECRET_KINDS:
        for body in ("text_body", "html_body"):
            if body in row:
                row[body] = mail.BODY_NOT_KEPT
    return row


def write_archive(partnership, fileobj) -> Written:
    """Write the partnership's archive as a ZIP to `fileobj` (a path or a binary file)."""
    plan = archived_tables()
    referenced = _referenced_ids(plan, partnership.id)
    files, rows = {}, {}
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in plan.tables:
            columns = _columns(table)
            query = (sa.select(*columns)
                     .where(_where(plan, table, partnership.id, referenced))
                     .order_by(*table.primary_key.columns))
            digest, count = hashlib.sha256(), 0
            path = f"tables/{table.name}.jsonl"
            with archive.open(path, "w") as out:
                for row in db.session.execute(query).mappings():
                    row = _without_secrets(table, dict(row))
                    line = (json.dumps({k: plain(v) for k, v in row.items()},
                                       ensure_ascii=False, sort_keys=True) + "\n").encode()
                    out.write(line)
                    digest.update(line)
                    count += 1
            files[path], rows[table.name] = digest.hexdigest(), count
        dictionary = data_dictionary(plan)
        for path, text in (
            ("data-dictionary.json", json.dumps(dictionary, indent=2, ensure_ascii=False)),
            ("data-dictionary.md", _dictionary_markdown(dictionary)),
        ):
            data = text.encode()
            archive.writestr(path, data)
            files[path] = hashlib.sha256(data).hexdigest()
        manifest = {
            "format": FORMAT,
            "schema_revision": schema_revision(),
            "exported_at": utcnow().isoformat(),
            "partnership": partnership.code,
            "tables": [{"name": name, "file": f"tables/{name}.jsonl", "rows": count}
                       for name, count in rows.items()],
            "sha256": files,
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    return Written(rows=rows)


# --- `flask archive …` ---------------------------------------------------------------------

archive_cli = AppGroup("archive", help="A partnership's data, whole: export and load.")


@archive_cli.command("export")
@click.option("--partnership", "code", required=True, help="The partnership's code.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="The ZIP file to write.")
def export_command(code, out):
    """Write a partnership's data archive (audited as an export by 'system')."""
    from tracker import audit
    from tracker.models import Partnership

    partnership = db.session.scalar(sa.select(Partnership)
                                    .where(Partnership.code == code.upper()))
    if partnership is None:
        raise click.BadParameter(f"No partnership has the code {code!r}.",
                                 param_hint="--partnership")
    written = write_archive(partnership, out)
    audit.record(audit.Action.EXPORT, partnership, partnership_id=partnership.id,
                 detail=AUDIT_DETAIL)
    db.session.commit()
    click.echo(f"Wrote {out}: {sum(written.rows.values())} rows from "
               f"{len(written.rows)} tables.")


@archive_cli.command("load")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
def load_command(archive):
    """Load a partnership's data archive into this empty install (one transaction)."""
    from tracker.archive_load import load_archive

    try:
        loaded = load_archive(archive)
    except ArchiveError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Loaded partnership {loaded.partnership}: {sum(loaded.rows.values())} rows "
               f"into {len(loaded.rows)} tables.")
    for what, n in loaded.recounted.items():
        if n:
            click.echo(f"Recounted {what}: {n} rows changed.")
    click.echo("No one can sign in with a loaded password: set each user's password again "
               "(an administrator's 'Reset password', or `flask users create` for a first "
               "administrator). Agency links must be issued again.")
