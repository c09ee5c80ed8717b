"""Redirects stay on this site: the "back to where you were" helper (Referer) and the `next`
of forms answer only with same-origin relative paths."""

import pytest

from app.auth.models import Role
from tests.conftest import PASSWORD

HOSTILE_REFERERS = ["http://localhost//evil.example/x", "http://localhost/\\evil.example/x",
                    "http://localhost/\\/evil.example", "http://localhost/%09/evil.example",
                    "http://evil.example/", "https://localhost.evil.example/",
                    "http://localhost:80@evil.example/", "http://[::1"]
HOSTILE_NEXT = ["//evil.example/x", "/\\evil.example", "/\t/evil.example", "https://evil.example",
                "javascript:alert(1)", "\\\\evil.example", " //evil.example"]


def assert_on_site(location: str) -> None:
    assert location.startswith("/"), location
    assert not location.startswith(("//", "/\\")), location
    assert "evil.example" not in location.split("?")[0].lstrip("/").split("/")[0], location


@pytest.mark.parametrize("referer", HOSTILE_REFERERS)
def test_the_back_helper_never_leaves_the_site(client, referer):
    response = client.post("/language/en", headers={"Referer": referer})
    assert response.status_code == 302
    assert_on_site(response.headers["Location"])


def test_the_back_helper_keeps_a_page_of_this_site(client):
    response = client.post("/language/ko",
                           headers={"Referer": "http://localhost/products?q=%EB%A9%B4&page=2"})
    assert response.headers["Location"] == "/products?q=%EB%A9%B4&page=2"


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_log_in_next_never_leaves_the_site(client, make_user, target):
    user = make_user(Role.BUYER)
    response = client.post("/login", query_string={"next": target},
                           data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert_on_site(response.headers["Location"])
