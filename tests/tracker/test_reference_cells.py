"""References never wrap in a list: CDOP-NSP-2026-0042 broke over three lines on the home page
and the lists, so each reference cell keeps its reference on one line."""

import re

from bs4 import BeautifulSoup

from tests.cdr.factories import make_case
from tests.reviews.factories import make_incident

REFERENCE = re.compile(r"^(CDOP|CSPR)-[A-Z0-9]+-\d{4}-\d+$")


def _reference_cells(client, url):
    page = client.get(url)
    assert page.status_code == 200
    html = BeautifulSoup(page.data, "html.parser")
    return [cell for cell in html.select("td.govuk-table__cell")
            if REFERENCE.match(cell.get_text(strip=True))]


def test_reference_cells_keep_to_one_line(cdop_client, business_client, doctor_client,
                                          partnership):
    make_case(partnership, jar_required=True, designated_doctor_id=doctor_client.user.id)
    make_incident(partnership, decision="local")
    cells = [*_reference_cells(cdop_client, "/child-deaths/"),
             *_reference_cells(cdop_client, "/"),
             *_reference_cells(business_client, "/practice-reviews/"),
             *_reference_cells(business_client, "/"),
             *_reference_cells(doctor_client, "/child-deaths/my-cases")]
    assert len(cells) >= 5
    assert [cell.get_text(strip=True) for cell in cells
            if "app-nowrap" not in cell.get("class", [])] == []
