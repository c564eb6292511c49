"""How many records share each duplicate key, kept by the database on each row
(tracker.duplicates.SharedKey), always equals a recount whoever writes: ORM inserts and
edits of every key column, raw SQL, deletes (a merge keeps one record of a group), a case
transfer, a child death case deleted under its incidents; and the possible duplicates page
then reads only the rows whose key is shared."""

from collections import Counter
from datetime import date

import sqlalchemy as sa
from flask_login import login_user

from cdr.models import ChildDeathCase, ChildIdentity
from cdr.models.identity import SHARED_KEYS as CHILD_KEYS
from cdr.services import transfers
from reviews.models import SeriousIncident
from reviews.models.incident import SHARED_KEYS as INCIDENT_KEYS
from tests.cdr.factories import make_case
from tests.factories import make_user
from tests.reviews.factories import make_incident
from tests.tracker.test_audit import count_queries
from tracker import duplicates
from tracker.extensions import db
from tracker.roles import Role

# (model, count column, the key of a row, in Python: None when it has none)
KEYS = [
    (ChildIdentity, "same_nhs", lambda row: row.nhs_number and (row.nhs_number,)),
    (ChildIdentity, "same_name_dob",
     lambda row: row.name_search and (row.name_search, row.date_of_birth)),
    (SeriousIncident, "same_case", lambda row: row.cdr_case_id and (row.cdr_case_id,)),
    (SeriousIncident, "same_child", lambda row: row.child_reference and (
        row.child_reference.lower(), row.incident_date, row.la_aware_on)),
]


def assert_counts_exact():
    """Every row's kept count is how many rows of its partnership have its key, recounted
    here (0 without a key)."""
    db.session.expire_all()
    for model, column, key_of in KEYS:
        rows = db.session.scalars(sa.select(model)).all()
        counted = Counter((row.partnership_id, key_of(row)) for row in rows if key_of(row))
        kept = {row.id: getattr(row, column) for row in rows}
        expected = {row.id: counted[(row.partnership_id, key_of(row))] if key_of(row) else 0
                    for row in rows}
        assert kept == expected, column


def _identity(case):
    return db.session.scalar(sa.select(ChildIdentity).filter_by(case_id=case.id))


def test_the_specs_name_the_columns_the_models_have():
    for spec in (*CHILD_KEYS, *INCIDENT_KEYS):
        table = db.metadata.tables[spec.table]
        assert {spec.column, *spec.columns} <= set(table.c.keys())


def test_children_inserted_edited_deleted_and_transferred(app, partnership, other_partnership):
    # The factory gives every fifth child the same NHS number.
    cases = [make_case(partnership) for _ in range(7)]
    assert_counts_exact()
    first, second, third = (_identity(case) for case in cases[:3])
    assert sorted(_identity(case).same_nhs for case in cases) == [1, 1, 1, 2, 2, 2, 2]
    second.nhs_number = first.nhs_number
    third.given_names, third.family_name = first.given_names, first.family_name
    third.date_of_birth = first.date_of_birth
    db.session.commit()
    assert_counts_exact()
    assert _identity(cases[0]).same_name_dob == 2
    third.date_of_birth = None
    first.date_of_birth = None  # still one name and (no) date of birth: NULL matches NULL
    second.nhs_number = None
    db.session.commit()
    assert_counts_exact()
    assert _identity(cases[0]).same_name_dob == 2 and _identity(cases[1]).same_nhs == 0
    transfers.transfer(cases[2], other_partnership, "The child lived there",
                       make_user(partnerships=[partnership, other_partnership]), date(2025, 4, 1))
    db.session.commit()
    assert_counts_exact()
    assert _identity(cases[0]).same_name_dob == 1
    db.session.execute(sa.update(ChildIdentity).values(nhs_number="9990000018"))
    db.session.commit()
    assert_counts_exact()
    # A merge keeps one record of a group: the others are deleted (the child, or the case
    # and its child with it).
    db.session.delete(_identity(cases[5]))
    db.session.commit()
    assert_counts_exact()
    db.session.execute(sa.delete(ChildDeathCase).where(ChildDeathCase.id == cases[6].id))
    db.session.commit()
    assert_counts_exact()


def test_incidents_inserted_edited_deleted_and_their_case_deleted(app, partnership):
    case, other = make_case(partnership), make_case(partnership)
    twins = [make_incident(partnership, child_reference="Child Q", cdr_case_id=case.id)
             for _ in range(3)]
    make_incident(partnership, child_reference="child q")  # same child, lower-cased
    assert_counts_exact()
    assert db.session.get(SeriousIncident, twins[0].id).same_child == 4
    twins[1].cdr_case_id = other.id
    twins[2].incident_date = date(2024, 12, 21)
    db.session.commit()
    assert_counts_exact()
    db.session.execute(sa.update(SeriousIncident).where(SeriousIncident.id == twins[0].id)
                       .values(la_aware_on=date(2025, 1, 2), cdr_case_id=other.id))
    db.session.commit()
    assert_counts_exact()
    db.session.execute(sa.delete(ChildDeathCase).where(ChildDeathCase.id == other.id))
    db.session.commit()
    assert_counts_exact()
    db.session.delete(db.session.get(SeriousIncident, twins[2].id))
    db.session.commit()
    assert_counts_exact()


def test_the_page_groups_only_the_rows_whose_key_is_shared(app, partnership):
    for _ in range(5):
        make_case(partnership)  # five NHS numbers, each once
    make_case(partnership, identity=True)
    with app.test_request_context():
        login_user(make_user(Role.SYSTEM_ADMIN, [partnership]))
        found, more = duplicates.groups(partnership.id, 1, 50)
        with count_queries() as statements:
            duplicates.groups(partnership.id, 1, 50)
    assert [(group.reason, len(group.records)) for group in found] == [("Same NHS number", 2)]
    grouped = [s for s in statements if "GROUP BY" in s]
    assert len(grouped) == 4
    assert all("same_" in s and "> 1" in s for s in grouped)
