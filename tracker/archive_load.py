"""Loading a partnership's data archive (made by tracker.archive) into an empty install.

`load_archive(fileobj)` loads such an archive into an empty install in one transaction:
refused when the database already holds any row of the archive's tables or its schema
revision differs. Rows go in with their ids, parents before children (the metadata's order);
PostgreSQL's sequences are then moved past the largest id. The figures the database keeps by
triggers: the tallies (tables named `*_tally`) are not loaded but made by the triggers as the
deadlines and cases go in, and checked equal to the archive's; the figures kept on a row (a
case's due figures, the possible duplicates' counts) are recounted as `flask deadlines
recount-kept` does, and the load says how many changed (a count shared with another
partnership's records is 0 here). A withheld column is left empty, or, where it may not be,
filled with a value nothing matches (no one signs in with a loaded password: an administrator
sets each again; an agency link must be issued again).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import secrets
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa

from tracker.archive import (
    FORMAT,
    ROOT,
    WITHHELD,
    ArchiveError,
    archived_tables,
    is_tally,
    plain,
    schema_revision,
)
from tracker.extensions import db

BATCH = 1000


def _typed(column: sa.Column, value):
    """A JSON value as the column's Python value (the reverse of plain)."""
    if value is None:
        return None
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return value
    if python_type is datetime:
        return datetime.fromisoformat(value)
    if python_type is date:
        return date.fromisoformat(value)
    if python_type is time:
        return time.fromisoformat(value)
    if python_type is Decimal:
        return Decimal(value)
    if python_type is bytes:
        return base64.b64decode(value)
    return value


@dataclass
class Loaded:
    """What a load did."""

    partnership: str
    rows: dict[str, int]
    recounted: dict[str, int]


def _read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except (KeyError, ValueError) as error:
        raise ArchiveError("This is not a partnership archive: it has no manifest.") from error
    if manifest.get("format") != FORMAT:
        raise ArchiveError(f"This archive's format is {manifest.get('format')!r}, "
                           f"not {FORMAT!r}.")
    for path, expected in manifest["sha256"].items():
        if hashlib.sha256(archive.read(path)).hexdigest() != expected:
            raise ArchiveError(f"{path} is not as it was written (its sha256 differs): "
                               "the archive is damaged or was changed.")
    return manifest


def _rows(archive: zipfile.ZipFile, table: sa.Table):
    with archive.open(f"tables/{table.name}.jsonl") as lines:
        for line in io.TextIOWrapper(lines, encoding="utf-8"):
            row = json.loads(line)
            # Only the columns an archive carries: a credential in a changed file never loads.
            yield {c.name: _typed(c, row[c.name]) for c in table.c
                   if c.name in row and (table.name, c.name) not in WITHHELD}


def _withheld_value(table: sa.Table, name: str):
    filler = WITHHELD[(table.name, name)]
    if filler == "random":
        return hashlib.sha256(secrets.token_bytes(32)).hexdigest()
    return filler


def _reset_sequences(tables) -> None:
    """PostgreSQL: move each table's id sequence past its largest id (rows went in with ids)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, sa.Integer):
            continue
        quoted, column = f'"{table.name}"', keys[0].name
        sequence = db.session.scalar(sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                                     {"t": quoted, "c": column})
        if sequence:
            db.session.execute(sa.text(
                f"SELECT setval(:s, coalesce((SELECT max({column}) FROM {quoted}), 1), "  # noqa: S608
                f"(SELECT max({column}) FROM {quoted}) IS NOT NULL)"), {"s": sequence})


def _recount_kept() -> dict[str, int]:
    """The figures kept on rows, recounted (as `flask deadlines recount-kept`)."""
    from tracker import duplicates, kept_due

    changed = {f"{owner} due figures": n for owner, n in kept_due.recount_all().items()}
    for spec in duplicates.shared_keys():
        changed[f"{spec.table}.{spec.column}"] = duplicates.sharing_recount(spec)
    return changed


def _check_tallies(archive: zipfile.ZipFile, tables) -> None:
    """The tallies the triggers made equal the archive's (rows of a count above 0)."""
    for table in tables:
        count = next((c for c in ("n", "count") if c in table.c), None)
        def kept(rows, count=count):
            return sorted(json.dumps({k: plain(v) for k, v in row.items()}, sort_keys=True)
                          for row in rows if count is None or row[count])
        made = kept(db.session.execute(sa.select(table)).mappings())
        if made != kept(_rows(archive, table)):
            raise ArchiveError(f"The {table.name} the database made on load differs from the "
                               "archive's: nothing was loaded.")


def _loadable_tables(manifest: dict) -> list[sa.Table]:
    """The archive's tables in this install, in load order; refused unless this install is
    at the archive's schema revision and holds no row of them."""
    ours = schema_revision()
    if manifest["schema_revision"] != ours:
        raise ArchiveError(
            f"The archive was made at schema revision {manifest['schema_revision']}; this "
            f"database is at {ours}. Load it into an install of the same version "
            "(upgrade or downgrade this one first).")
    names = [t["name"] for t in manifest["tables"]]
    unknown = [n for n in names if n not in db.metadata.tables]
    if unknown:
        raise ArchiveError(f"This install has no table {', '.join(unknown)}.")
    # Only the tables an archive carries (never a secret's table, such as sessions or
    # second factors), whatever a changed manifest lists.
    carried = {t.name for t in archived_tables().tables}
    never = [n for n in names if n not in carried]
    if never:
        raise ArchiveError(f"An archive never carries {', '.join(never)}: this file was not "
                           "made by the tracker's export.")
    tables = [t for t in db.metadata.sorted_tables if t.name in names]
    # Empty means no user and no partnership either, whichever tables the archive names.
    checked = {t.name: t for t in tables}
    for name in (ROOT, "user"):
        checked.setdefault(name, db.metadata.tables[name])
    busy = [name for name, t in checked.items()
            if db.session.scalar(sa.select(sa.literal(1)).select_from(t).limit(1))]
    if busy:
        raise ArchiveError("The database is not empty (" + ", ".join(busy[:5])
                           + (", …" if len(busy) > 5 else "") + " already hold rows): "
                           "an archive loads only into an empty install.")
    return tables


def _insert(archive: zipfile.ZipFile, table: sa.Table) -> int:
    """Insert a table's rows with their ids, a batch at a time: how many."""
    count, batch = 0, []
    withheld = [column for (name, column) in WITHHELD if name == table.name]
    for row in _rows(archive, table):
        for column in withheld:
            row.setdefault(column, _withheld_value(table, column))
        batch.append(row)
        if len(batch) >= BATCH:
            db.session.execute(table.insert(), batch)
            count, batch = count + len(batch), []
    if batch:
        db.session.execute(table.insert(), batch)
        count += len(batch)
    return count


def load_archive(fileobj) -> Loaded:
    """Load an archive into an empty install, in one transaction (see the module)."""
    with zipfile.ZipFile(fileobj) as archive:
        manifest = _read_manifest(archive)
        tables = _loadable_tables(manifest)
        try:
            rows = {t.name: _insert(archive, t) for t in tables if not is_tally(t)}
            _reset_sequences(tables)
            recounted = _recount_kept()
            _check_tallies(archive, [t for t in tables if is_tally(t)])
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return Loaded(partnership=manifest["partnership"], rows=rows, recounted=recounted)
