"""The shell starts, and a signed-in user reaches the home page."""

import pytest

from tests.conftest import page


@pytest.mark.relative_dates
def test_home_page_greets_the_signed_in_user_by_role(cdop_client):
    response = cdop_client.get("/")
    assert response.status_code == 200
    html = page(response)
    assert html.find("h1").get_text(strip=True) == "Your work today"
    assert "CDOP administrator" in html.get_text()
