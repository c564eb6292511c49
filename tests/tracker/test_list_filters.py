"""The lists' filters fold away behind "Filter" until one is set, and the filters chosen show
as tags, each removing only itself."""

from bs4 import BeautifulSoup

from tests.cdr.factories import make_case
from tests.reviews.factories import make_incident


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return BeautifulSoup(response.data, "html.parser")


def test_the_case_list_folds_its_filters_and_shows_the_chosen_ones(cdop_client, partnership):
    make_case(partnership, jar_required=True)
    plain = _page(cdop_client, "/child-deaths/")
    assert not plain.select_one("#case-filter-panel").has_attr("open")
    assert plain.select_one("#case-chosen") is None

    page = _page(cdop_client, "/child-deaths/?stage=notified&jar=yes&overdue=y")
    assert page.select_one("#case-filter-panel").has_attr("open")
    tags = {a.get_text(" ", strip=True).replace("Remove this filter: ", ""): a["href"]
            for a in page.select("#case-chosen .app-selected-filters__tag")}
    assert set(tags) == {"Stage: Notified ×", "Joint Agency Response: Required ×",
                         "Only cases with an overdue deadline: Yes ×"}
    # Each tag removes only its own filter.
    assert tags["Stage: Notified ×"] == "/child-deaths/?jar=yes&overdue=y"
    assert tags["Joint Agency Response: Required ×"] == "/child-deaths/?stage=notified&overdue=y"


def test_the_practice_review_list_shows_its_chosen_filters(business_client, partnership):
    make_incident(partnership, decision="local")
    page = _page(business_client, "/practice-reviews/?decision=local")
    tags = [a.get_text(" ", strip=True) for a in
            page.select(".app-selected-filters__tag")]
    assert len(tags) == 1 and tags[0].startswith("Remove this filter: Decision")
    assert page.select_one("details.app-filter-details").has_attr("open")


def test_a_tag_carries_only_the_lists_own_arguments(cdop_client, partnership):
    make_case(partnership)
    page = _page(cdop_client, "/child-deaths/?stage=notified&overdue=y&endpoint=x&foo=1")
    hrefs = [a["href"] for a in page.select("#case-chosen .app-selected-filters__tag")]
    assert hrefs == ["/child-deaths/?overdue=y", "/child-deaths/?stage=notified"]
