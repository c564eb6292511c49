"""Each case follows the rules edition in force when its clock started: Working Together 2023
for a child death, a serious incident or a yearly report whose clock started on or after 15
December 2023, with its agency requests and stored deadlines

Data only. Every rule of Working Together 2018 has a rule of the same key and the same
arithmetic in Working Together 2023, so no due date moves: only the `edition` of the case
and of its deadline rows changes; met dates, reasons and extensions stay as they are. The
downgrade puts them back to Working Together 2018 and drops the rows of the rules the 2018
edition does not have (the 2023 edition's own clocks).

Revision ID: 0018_rules_editions
Revises: 0017_pg_page_indexes
Create Date: 2026-12-06 17:30:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0018_rules_editions'
down_revision = '0017_pg_page_indexes'
branch_labels = None
depends_on = None

SWITCH = "2023-12-15"  # Working Together 2023 in force (the app's RULES_WT2023_FROM)
# Table -> the column whose date started the case's clock, as each domain maps it then.
STARTS = {
    "cdr_case": "date_of_death",
    "serious_incident": "la_aware_on",
    "reviews_yearly_report": "published_on",
}
# Rules only Working Together 2023 has (a 2018 case never has them).
ONLY_2023 = ("care_leaver_death_notification", "cspr_prepublication_ofsted")


def _deadlines_follow(table: str, edition: str) -> None:
    """The stored deadlines of every case of a table take the case's edition."""
    op.execute(sa.text(
        f"UPDATE deadline SET edition = '{edition}' WHERE owner_type = '{table}' "
        f"AND edition <> '{edition}' AND owner_id IN "
        f"(SELECT id FROM {table} WHERE rules_edition = '{edition}')"))


def _requests_follow_their_case() -> None:
    op.execute(sa.text(
        "UPDATE cdr_agency_request SET rules_edition = (SELECT c.rules_edition FROM cdr_case c "
        "WHERE c.id = cdr_agency_request.case_id) WHERE rules_edition <> (SELECT c.rules_edition "
        "FROM cdr_case c WHERE c.id = cdr_agency_request.case_id)"))


def upgrade():
    for table, start in STARTS.items():
        op.execute(sa.text(
            f"UPDATE {table} SET rules_edition = 'WT2023' WHERE rules_edition = 'WT2018' "
            f"AND {start} >= '{SWITCH}'"))
    _requests_follow_their_case()
    for table in (*STARTS, "cdr_agency_request"):
        _deadlines_follow(table, "WT2023")


def downgrade():
    only_2023 = ", ".join(f"'{key}'" for key in ONLY_2023)
    op.execute(sa.text(f"DELETE FROM deadline WHERE rule_key IN ({only_2023})"))
    op.execute(sa.text("UPDATE deadline SET edition = 'WT2018' WHERE edition = 'WT2023'"))
    for table in (*STARTS, "cdr_agency_request"):
        op.execute(sa.text(
            f"UPDATE {table} SET rules_edition = 'WT2018' WHERE rules_edition = 'WT2023'"))
