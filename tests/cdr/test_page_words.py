"""Words a CDOP administrator reads on every child death page: no question prints "None" as
its hint, label or legend."""

from bs4 import BeautifulSoup

from tests.cdr.factories import make_case
from tests.reviews.test_page_words import NONE_AS_TEXT


def test_no_page_of_a_case_prints_none(app, cdop_client, partnership):
    case = make_case(partnership, jar_required=True)
    pages = [rule.rule.replace("<int:case_id>", str(case.id))
             for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith("cdr") and "GET" in rule.methods
             and set(rule.arguments) == {"case_id"}] + ["/child-deaths/new"]
    assert len(pages) > 8

    printed = {}
    for url in pages:
        response = cdop_client.get(url)
        if response.status_code == 200:
            found = NONE_AS_TEXT.findall(response.get_data(as_text=True))
            if found:
                printed[url] = len(found)
    assert printed == {}


def test_the_notifiers_questions_say_they_are_about_the_notifier(cdop_client):
    page = BeautifulSoup(cdop_client.get("/child-deaths/notify").data, "html.parser")
    labels = {name: page.select_one(f"label[for={name}]").get_text(strip=True)
              for name in ("notifier_name", "notifier_role", "notifier_agency",
                           "notifier_contact")}
    # A bare "Name" under the child's questions read as the child's.
    assert labels == {"notifier_name": "Name of the person notifying the death",
                      "notifier_role": "Their role (if known)",
                      "notifier_agency": "Their agency",
                      "notifier_contact": "Their telephone or email (if known)"}
