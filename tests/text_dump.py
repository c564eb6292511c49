"""Every text a database holds, to prove a disposal left none of what was planted: each
String, Text and JSON column of every table (the audit trail's changes, detail and labels
included), read with one query per table."""

import re

import sqlalchemy as sa

from tracker.extensions import db

TEXT_TYPES = (sa.String, sa.Text, sa.JSON)


def planted(n: int) -> str:
    """A value planted in one column: short enough for any column it goes in, and found by
    PLANTED whatever else the database holds (no hash or token has these letters)."""
    return f"Qzx{n:03d}"


PLANTED = re.compile(r"Qzx\d{3}")


def text_columns(table: sa.Table) -> list[sa.Column]:
    return [column for column in table.c if isinstance(column.type, TEXT_TYPES)]


def found(exclude=None) -> dict[str, list[str]]:
    """{table.column: planted values it still holds} over the whole database."""
    left = {}
    for table in db.metadata.sorted_tables:
        columns = text_columns(table)
        if not columns:
            continue
        for row in db.session.execute(sa.select(*columns)):
            for column, value in zip(columns, row, strict=True):
                hits = PLANTED.findall(str(value)) if value is not None else []
                if hits:
                    left.setdefault(f"{table.name}.{column.name}", []).extend(hits)
    return left


def undecided(package: str, deleted, *decided) -> list[str]:
    """The text columns of `package`'s models (not foreign keys) that a domain's retention
    module names in none of its decisions (DELETED models; CLEARED, BLANKED, KEPT columns),
    or names twice: each needs a deliberate keep or clear."""
    seen = {}
    for decisions in decided:
        for model, columns in decisions.items():
            for name in columns:
                key = f"{model.__tablename__}.{name}"
                seen[key] = seen.get(key, 0) + 1
    wrong = []
    for mapper in db.Model.registry.mappers:
        model = mapper.class_
        if not model.__module__.startswith(package) or model in deleted:
            continue
        for column in text_columns(model.__table__):
            key = f"{model.__tablename__}.{column.name}"
            if not column.foreign_keys and seen.get(key) != 1:
                wrong.append(key)
    return wrong
