"""No number in a URL, query string or form is a server error (hypothesis).

Built from the URL map: every `int` route parameter of every route, every integer query
argument of the pages and every id-taking form field get huge, negative and malformed values;
the answer is a 2xx/3xx/4xx, never a 500 (SQLite cannot hold numbers beyond 2**63 - 1 and
raises; PostgreSQL's integer columns stop at 2**31 - 1).
"""

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import PASSWORD
from tests.security.test_routes import ENDPOINTS, url_for_world
from tests.test_authorisation import world  # noqa: F401  (the fixture)

# Far from any id the world holds (so no real, slow action runs), or not a number at all.
NUMBERS = st.one_of(
    st.integers(min_value=10**9, max_value=10**40),
    st.integers(max_value=-1, min_value=-(10**40)),
    st.sampled_from(["abc", "1e9", "²", "١٢", "0x10", "", " ", "1.5", "-0", "+7",
                     "99999999999999999999999", "9223372036854775808", "2147483648"]),
).map(str)
QUERY_ARGUMENTS = ["page", "per_page", "registration", "after", "event", "max_moq", "day",
                   "status", "run_id"]
FORM_FIELDS = ["slot", "table", "interpreter", "run_id", "listing", "listings", "product",
               "event", "company", "quantity", "price_krw", "stock", "unavailable", "reply_to",
               "top", "time_limit", "satisfaction", "value", "host_user", "max_moq"]
# Endpoints whose work is slow whatever the form says (a model re-index, a solver run) or
# that stream for seconds: their numbers are fuzzed in the path only.
SLOW = {"matching.reindex", "commerce.live_events", "expo.schedule", "matching.runs"}
INT_PARAMETER = re.compile(r"<int:(\w+)>")


def int_routes(app):
    return sorted((rule for rule in app.url_map.iter_rules() if INT_PARAMETER.search(rule.rule)),
                  key=lambda rule: rule.rule)


def path_with(app, world, rule, name: str, value: str) -> str:  # noqa: F811
    """The route's URL on the world with one int parameter replaced by `value`."""
    real = url_for_world(app, world, rule.endpoint).split("?")[0]
    _endpoint, args = app.url_map.bind("localhost").match(real, method=next(
        method for method in ("GET", "POST") if method in rule.methods))

    def fill(match: re.Match) -> str:
        converter, arg = match.group(1), match.group(2)
        return value if converter == "int" and arg == name else str(args[arg])

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", fill, rule.rule)


def organiser_client(app, world):  # noqa: F811
    visitor = app.test_client()
    response = visitor.post("/login", data={"email": world["users"]["organiser"].email,
                                            "password": PASSWORD})
    assert response.status_code == 302
    return visitor


def check(response, what: str) -> None:
    assert response.status_code < 500, (what, response.status_code, response.text[:300])


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=NUMBERS)
@example(value="99999999999999999999")
@example(value="99999999999999999999999")
@example(value="abc")
def test_no_number_anywhere_is_a_server_error(app, client, world, value):  # noqa: F811
    organiser = organiser_client(app, world)
    visitors = {"organiser": organiser, "anonymous": app.test_client()}
    for rule in int_routes(app):
        for name in INT_PARAMETER.findall(rule.rule):
            url = path_with(app, world, rule, name, value)
            for who, visitor in visitors.items():
                if "GET" in rule.methods and rule.endpoint != "commerce.live_events":
                    check(visitor.get(url), f"{who} GET {url}")
                if "POST" in rule.methods:
                    check(visitor.post(url, data={"accept": "1"}), f"{who} POST {url}")
    for endpoint, (_template, who) in ENDPOINTS.items():
        if endpoint in SLOW or endpoint == "static":
            continue
        url = url_for_world(app, world, endpoint)
        joiner = "&" if "?" in url else "?"
        if who is not None:
            query = "&".join(f"{name}={value}" for name in QUERY_ARGUMENTS)
            check(organiser.get(f"{url}{joiner}{query}"), f"GET {url} {query}")
            if endpoint == "catalogue.products":
                check(visitors["anonymous"].get(f"{url}?page={value}"), f"GET {url}")
        rule = next(r for r in app.url_map.iter_rules(endpoint))
        if "POST" in rule.methods:
            form = {name: value for name in FORM_FIELDS}
            check(organiser.post(url, data={**form, "accept": "1"}), f"POST {url} {form}")


@pytest.mark.parametrize("url", ["/products?page=99999999999999999999",
                                 "/suppliers?page=99999999999999999999",
                                 "/market?page=99999999999999999999",
                                 "/products/99999999999999999999999",
                                 "/events/99999999999999999999/agenda"])
def test_the_reported_urls_are_not_found(client, url):
    assert client.get(url).status_code in (302, 404)
