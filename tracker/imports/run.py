"""Finding the registered imports, and saving every checked row in one transaction."""

from __future__ import annotations

from dataclasses import fields
from datetime import date

from flask import current_app

from tracker import audit, references
from tracker.agencies import IMPORT_SPEC as AGENCIES
from tracker.deadline_models import Deadline
from tracker.deadline_service import Dates, load_rules, set_edition, wanted_deadlines
from tracker.domains import case_deadlines_for, registered_domains
from tracker.extensions import db
from tracker.imports.checking import Checked, check
from tracker.imports.spec import ImportSpec
from tracker.imports.upload import Limits, read_rows


def imports_for(user) -> list[ImportSpec]:
    """Every registered import the user may run: each domain's, then the shell's own (the
    agency directory)."""
    specs = [*(spec for domain in registered_domains() for spec in domain.imports), AGENCIES]
    return [spec for spec in specs if user.can(spec.permission)]


def find(name: str, user) -> ImportSpec | None:
    """The registered import called `name`, when the user may run it."""
    return next((spec for spec in imports_for(user) if spec.name == name), None)


def limits() -> Limits:
    """The configured upload limits: IMPORT_MAX_BYTES, IMPORT_MAX_ROWS, IMPORT_MAX_SHEET_ROWS,
    IMPORT_MAX_COLUMNS and IMPORT_MAX_CELLS, each defaulting to Limits'."""
    return Limits(**{limit.name: current_app.config.get(f"IMPORT_{limit.name.upper()}",
                                                        limit.default)
                     for limit in fields(Limits)})


def check_upload(spec: ImportSpec, data: bytes, partnership_ids, today: date,
                 partnership=None) -> Checked:
    """Read an upload and check every row for an import into `partnership`; raises
    UploadRefused for an unreadable file."""
    return check(spec, read_rows(data, limits(), spec.sheet_title), partnership_ids, today,
                 partnership)


def save_all(spec: ImportSpec, checked: Checked, partnership, user, today: date) -> list:
    """Create every row's record, audited as an import, with its deadlines, and commit once
    (on any failure roll back, so nothing is half imported).

    The records are inserted together and their deadlines built together: flushing and
    syncing one record at a time took about 30 ms a row, too slow for a request."""
    if not checked.ok:
        raise ValueError("Only a file without problems can be imported")
    # Rows that keep a reference of the partnership's own form go first, moving its counter
    # past them, so a new reference given to another row can never take one of theirs.
    ordered = sorted(checked.rows, key=lambda row: references.own_number(
        row[1].get("reference"), spec.series, partnership.code) is None)
    try:
        batch: dict = {}
        records = []
        for _, values in ordered:
            records.append(spec.build(values, partnership, user, today, batch))
            db.session.add(records[-1])
        db.session.flush()
        for record, (number, values) in zip(records, ordered, strict=True):
            spec.finish(record, values, partnership, today)
            audit.record(audit.Action.IMPORT, record, partnership_id=partnership.id,
                         detail=f"Imported from row {number} of a spreadsheet")
        if spec.deadlines:
            build_deadlines(records)
        audit.record(audit.Action.IMPORT, object_type="Import", object_label=spec.title,
                     partnership_id=partnership.id,
                     detail=f"Imported {len(records)} {spec.noun} from a spreadsheet")
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return records


def build_deadlines(records) -> None:
    """Store the deadlines of new records from the rules, as deadline_service.sync_case
    would for each, reading the partnerships' calendars once (no flush)."""
    dates = Dates(load_rules({record.partnership_id for record in records}))
    for record in records:
        case_type = case_deadlines_for(record)
        set_edition(record, case_type)
        for rule_key, values in wanted_deadlines(record, case_type, dates).items():
            db.session.add(Deadline(rule_key=rule_key, item="", owner_type=case_type.owner_type,
                                    owner_id=record.id, **values))
