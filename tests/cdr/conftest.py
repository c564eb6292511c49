"""Child death review test helpers: one request helper for every page."""

import pytest
from bs4 import BeautifulSoup
from flask import url_for

from tests.conftest import csrf_token_from


class Page:
    """A response and its parsed HTML."""

    def __init__(self, response):
        self.response = response
        self.status = response.status_code
        self.html = BeautifulSoup(response.get_data(as_text=True), "html.parser")

    def text(self, selector=None) -> str:
        """The visible text of the page, or of the first element matching a CSS selector."""
        node = self.html.select_one(selector) if selector else self.html
        assert node is not None, f"no element matches {selector!r}"
        return node.get_text(" ", strip=True)

    @property
    def errors(self) -> list[str]:
        """The messages in the GOV.UK error summary (empty when there is none)."""
        summary = self.html.select_one(".govuk-error-summary")
        if summary is None:
            return []
        return [item.get_text(" ", strip=True) for item in summary.select("li")]


def _url(app, endpoint, values):
    with app.test_request_context():
        return url_for(endpoint, **values)


@pytest.fixture
def call(app):
    """call(client, endpoint, status=200, data=None, form_page=None, **url values) -> Page.

    With `data` it posts the way a browser does: it opens the form page first (the same URL,
    or `form_page`, an endpoint or a (endpoint, values) pair) for its CSRF token. It checks the
    status code, so a test says what it expects in one line.
    """

    def _call(client, endpoint, *, status=200, data=None, form_page=None, **values):
        url = _url(app, endpoint, values)
        if data is None:
            response = client.get(url)
        else:
            page_url = url
            if form_page is not None:
                page_endpoint, page_values = (form_page if isinstance(form_page, tuple)
                                              else (form_page, {}))
                page_url = _url(app, page_endpoint, page_values)
            token = csrf_token_from(client.get(page_url).get_data(as_text=True))
            response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code == status, (
            f"{endpoint} answered {response.status_code}, expected {status}: "
            f"{response.get_data(as_text=True)[:2000]}"
        )
        return Page(response)

    return _call
