"""Security tests: each starts with no log-in attempts counted."""

import pytest

from app.extensions import limiter


@pytest.fixture(autouse=True)
def fresh_login_limits(app):
    limiter.reset()
    yield
    limiter.reset()
