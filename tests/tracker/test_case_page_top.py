"""The top of each case page orients its reader: what happens next (the stage in progress,
linked to where it is done, and the most pressing deadline), a contents list of every
section, and a task list whose stages link to their sections."""

from datetime import date

import pytest
from bs4 import BeautifulSoup

from tests.cdr.factories import make_case
from tests.reviews.factories import make_incident


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(date(2026, 12, 16))


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return BeautifulSoup(response.data, "html.parser")


def _check_links_land(html):
    """Every contents and stage link points at a section the page holds."""
    ids = {tag["id"] for tag in html.select("[id]")}
    links = [a["href"] for a in html.select("#contents a, .govuk-task-list a")]
    assert links and all(link.startswith("#") and link[1:] in ids for link in links)
    return links


def test_the_case_page_says_what_happens_next_and_lists_its_sections(cdop_client,
                                                                     partnership):
    # Died Monday 7 December 2026, a JAR: the first rapid response meeting was due by the
    # 11th and has not been held.
    case = make_case(partnership, jar_required=True, date_of_death=date(2026, 12, 7),
                     notification_received_on=date(2026, 12, 7))
    html = _page(cdop_client, f"/child-deaths/{case.id}")

    contents = [a.get_text(strip=True) for a in html.select("#contents a")]
    assert contents[:2] == ["The child and the death", "Stages"]
    assert "Deadlines" in contents and "Joint Agency Response" in " ".join(contents)
    links = _check_links_land(html)
    assert "#meetings" in links  # the rapid response stage links to its section
    step = html.select_one("#next-step")
    assert step.select_one("#next-step-stage a")["href"] == "#meetings"
    assert "In progress" in step.get_text()
    deadline = step.select_one("#next-step-deadline").get_text(" ", strip=True)
    assert "Overdue" in deadline


def test_the_review_page_says_what_happens_next_and_lists_its_sections(business_client,
                                                                       partnership):
    incident = make_incident(partnership, la_aware_on=date(2026, 12, 7),
                             incident_date=date(2026, 12, 5))
    html = _page(business_client, f"/practice-reviews/{incident.id}")

    contents = [a.get_text(strip=True) for a in html.select("#contents a")]
    assert contents[:3] == ["The incident", "Stages", "Deadlines"]
    _check_links_land(html)
    step = html.select_one("#next-step")
    assert step.select_one("#next-step-stage a")["href"] == "#incident"
    # The Panel was to be told by Monday 14 December: two days overdue on the 16th.
    assert "due 14 December 2026" in step.select_one("#next-step-deadline").get_text(
        " ", strip=True)
