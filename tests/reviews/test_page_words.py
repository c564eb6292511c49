"""Words a business unit reads on every practice-review page: no Python value leaks onto a
page as text (an empty hint printed as "None")."""

import re

from tests.reviews.factories import make_incident

# A hint, a label or a legend that reads "None" (a summary list may say "None" of a list).
NONE_AS_TEXT = re.compile(r'class="govuk-(?:hint|label|fieldset__legend)[^"]*"[^>]*>\s*None\s*<')


def _incident_pages(app, incident_id):
    """Every practice-review page that takes only the incident's id (GET)."""
    for rule in app.url_map.iter_rules():
        if (rule.endpoint.startswith("reviews") and "GET" in rule.methods
                and set(rule.arguments) == {"incident_id"}):
            yield rule.rule.replace("<int:incident_id>", str(incident_id))


def test_no_page_of_an_incident_prints_none(app, business_client, partnership):
    incident = make_incident(partnership, decision="local")
    pages = list(_incident_pages(app, incident.id)) + ["/practice-reviews/new"]
    assert len(pages) > 8

    printed = {}
    for url in pages:
        response = business_client.get(url)
        if response.status_code == 200:
            found = NONE_AS_TEXT.findall(response.get_data(as_text=True))
            if found:
                printed[url] = len(found)
    assert printed == {}
