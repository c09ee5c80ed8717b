"""Dates in the reader's language: Korean day periods are written 오전/오후, not AM/PM."""

from datetime import UTC, datetime

import pytest

from app.core.formatting import format_datetime, format_time

AFTERNOON = datetime(2026, 11, 29, 5, 32, tzinfo=UTC)  # 14:32 in Seoul


@pytest.mark.parametrize(("language", "expected_datetime", "expected_time"), [
    ("ko", "26. 11. 29. 오후 2:32", "오후 2:32"),
    ("en", "11/29/26, 2:32\u202fPM", "2:32\u202fPM"),  # CLDR's narrow no-break space
])
def test_day_periods_in_the_readers_language(app, language, expected_datetime, expected_time):
    with app.test_request_context(headers={"Accept-Language": language}):
        assert format_datetime(AFTERNOON, "short") == expected_datetime
        assert format_time(AFTERNOON, "short") == expected_time
        assert format_datetime(AFTERNOON, "yyyy-MM-dd HH:mm") == "2026-11-29 14:32"
