"""Words a CDOP administrator reads on every child death page: no question prints "None" as
its hint, label or legend."""

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
