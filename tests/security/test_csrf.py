"""CSRF: every POST route of the URL map, posted without a token by a user allowed to use it,
is refused with the translated 400 page and changes nothing."""

import pytest

from tests.conftest import PASSWORD
from tests.security.helpers import database_state
from tests.security.test_routes import PUBLIC_POSTS, url_for_world
from tests.test_authorisation import ROUTES, world  # noqa: F401  (the fixture)

# Photo forms are exempt from CSRFProtect (it would read their large bodies with the small
# limit); their FlaskForm checks the token itself. Any other exemption is a bug.
CHECKED_BY_THE_FORM = {"commerce.new_listing", "commerce.edit_listing"}
SELF_SERVICE_FORMS = {
    "auth.logout": {},
    "auth.account": {"lang-locale": "ko", "lang-submit": "1"},
    "auth.switch_language": {},
    "auth.login": {"email": "someone@example.com", "password": PASSWORD},
    "buyers.register": {"email": "new@example.com", "password": PASSWORD, "confirm": PASSWORD,
                        "company_name": "Oslo Foods", "country": "NO", "language": "en"},
    "catalogue.register_supplier": {"email": "new@example.com", "password": PASSWORD,
                                    "confirm": PASSWORD, "company_name_ko": "새회사",
                                    "supplier_ref": "NEW1"},
}
BAD_REQUEST = {"en": "The request could not be understood.", "ko": "요청을 처리할 수 없습니다."}


def _who_and_what(app, world) -> dict[str, tuple[str, dict]]:  # noqa: F811
    """endpoint -> (an actor allowed to post there, a form that would change something)."""
    adapter = app.url_map.bind("localhost")
    chosen = {}
    for method, template, form, allowed in ROUTES:
        if method != "POST":
            continue
        endpoint = adapter.match(template.format(**world).split("?")[0], method="POST")[0]
        actor = "organiser" if "organiser" in allowed else sorted(allowed)[0]
        chosen.setdefault(endpoint, (actor, form(world)))
    for endpoint, form in SELF_SERVICE_FORMS.items():
        public = endpoint in PUBLIC_POSTS and endpoint != "auth.switch_language"
        chosen[endpoint] = ("anonymous" if public else "organiser", form)
    return chosen


def _logged_in(app, world, actor):  # noqa: F811
    visitor = app.test_client()
    if actor != "anonymous":
        response = visitor.post("/login", data={"email": world["users"][actor].email,
                                                "password": PASSWORD})
        assert response.status_code == 302
    return visitor


@pytest.mark.parametrize("language", ["en", "ko"])
def test_every_post_without_a_token_is_refused(app, client, db, world, monkeypatch,  # noqa: F811
                                               language):
    plan = _who_and_what(app, world)
    visitors = {actor: _logged_in(app, world, actor)
                for actor, _form in [*plan.values(), ("organiser", {})]}
    before = database_state(db.session)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    checked = set()
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        actor, form = plan.get(rule.endpoint, ("organiser", {}))
        response = visitors[actor].post(url_for_world(app, world, rule.endpoint), data=form,
                                        headers={"Accept-Language": language},
                                        content_type="multipart/form-data")
        if rule.endpoint in CHECKED_BY_THE_FORM:
            assert response.status_code in (200, 400), rule.endpoint  # the form, with its error
        else:
            assert response.status_code == 400, (rule.endpoint, response.status_code)
            assert BAD_REQUEST[language] in response.text, rule.endpoint
        checked.add(rule.endpoint)
    assert database_state(db.session) == before
    assert len(checked) >= 40


def test_only_the_photo_forms_are_exempt(app):
    from app.extensions import csrf

    exempt = {name.rsplit(".", 1)[1] for name in csrf._exempt_views}
    assert exempt <= {endpoint.split(".")[1] for endpoint in CHECKED_BY_THE_FORM}


def test_a_valid_token_is_accepted(app, client, db, world, monkeypatch):  # noqa: F811
    """The refusals above are about the token: with it, the same request goes through."""
    import re

    visitor = _logged_in(app, world, "organiser")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = visitor.get("/account")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    response = visitor.post("/language/ko", data={"csrf_token": token})
    assert response.status_code == 302
