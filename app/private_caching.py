"""Pages for a logged-in user are private: no browser or proxy may keep them
(`Cache-Control: no-store`), so that the back button after logout, a shared computer at the
venue or a caching proxy shows nobody else's agenda, orders or exports. Public pages seen
anonymously and static files keep their caching."""

from flask import Flask, request
from flask_login import current_user


def init_app(app: Flask) -> None:
    @app.after_request
    def private_pages_are_not_stored(response):
        if request.endpoint == "static" or "Cache-Control" in response.headers:
            return response
        if current_user.is_authenticated or request.endpoint in ("auth.login", "auth.account"):
            response.headers["Cache-Control"] = "no-store"
            response.headers.setdefault("Pragma", "no-cache")
        return response
