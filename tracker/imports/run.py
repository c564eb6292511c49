"""Finding the registered imports, and saving every checked row in one transaction."""

from __future__ import annotations

from datetime import date

from flask import current_app

from tracker import audit
from tracker.domains import registered_domains
from tracker.extensions import db
from tracker.imports.checking import Checked, check
from tracker.imports.spec import ImportSpec
from tracker.imports.upload import Limits, read_rows


def imports_for(user) -> list[ImportSpec]:
    """Every registered import the user may run."""
    return [spec for domain in registered_domains() for spec in domain.imports
            if user.can(spec.permission)]


def find(name: str, user) -> ImportSpec | None:
    """The registered import called `name`, when the user may run it."""
    return next((spec for spec in imports_for(user) if spec.name == name), None)


def limits() -> Limits:
    """The configured upload limits."""
    return Limits(max_bytes=current_app.config.get("IMPORT_MAX_BYTES", Limits.max_bytes),
                  max_rows=current_app.config.get("IMPORT_MAX_ROWS", Limits.max_rows))


def check_upload(spec: ImportSpec, data: bytes, partnership_ids, today: date) -> Checked:
    """Read an upload and check every row; raises UploadRefused for an unreadable file."""
    return check(spec, read_rows(data, limits(), spec.sheet_title), partnership_ids, today)


def save_all(spec: ImportSpec, checked: Checked, partnership, user, today: date) -> list:
    """Create every row's record, audited as an import, and commit once (no commit and a
    rollback on any failure, so nothing is half imported)."""
    if not checked.ok:
        raise ValueError("Only a file without problems can be imported")
    try:
        records = []
        # Rows that keep a reference from the old records go first, so a new reference
        # given to another row can never take it.
        ordered = sorted(checked.rows, key=lambda row: not row[1].get("reference"))
        for number, values in ordered:
            record = spec.create(values, partnership, user, today)
            audit.record(audit.Action.IMPORT, record, partnership_id=partnership.id,
                         detail=f"Imported from row {number} of a spreadsheet")
            records.append(record)
        audit.record(audit.Action.IMPORT, object_type="Import", object_label=spec.title,
                     partnership_id=partnership.id,
                     detail=f"Imported {len(records)} {spec.noun} from a spreadsheet")
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return records
