"""Private pages (anything a logged-in user is shown, and the log-in page) are never stored
by a browser or proxy; walked over every GET route of the URL map."""

from tests.conftest import PASSWORD
from tests.security.test_routes import ENDPOINTS, GET_ENDPOINTS, url_for_world
from tests.test_authorisation import world  # noqa: F401  (the fixture)


def test_every_page_a_logged_in_user_gets_is_no_store(app, client, world):  # noqa: F811
    checked = 0
    for actor in ("organiser", "own_supplier", "own_buyer"):
        visitor = app.test_client()
        visitor.post("/login", data={"email": world["users"][actor].email,
                                     "password": PASSWORD})
        for endpoint in GET_ENDPOINTS:
            if endpoint == "static" or ENDPOINTS[endpoint][1] == "no such record, public":
                continue
            response = visitor.get(url_for_world(app, world, endpoint))
            assert "no-store" in response.headers.get("Cache-Control", ""), (actor, endpoint)
            checked += 1
    assert checked > 100


def test_the_log_in_page_is_no_store_and_static_files_are_cached(client):
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/style.css").headers.get("Cache-Control", "")
