"""Web addresses people give us (company and buyer websites, stream links): http(s) only.

A `javascript:` or `data:` address stored as a website would run in the visitor's browser
when clicked. Forms refuse anything but an absolute http(s) address (`WebURL`), and pages
link only what `web_url` lets through, also for rows stored before the check.
"""

from urllib.parse import urlsplit

from wtforms.validators import ValidationError

from app.i18n import _l

WEB_SCHEMES = ("http", "https")


def is_web_url(value: str | None) -> bool:
    """An absolute http(s) address with a host, with no spaces or control characters (which
    browsers strip, turning "java\\tscript:" into "javascript:")."""
    if not value or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return False
    try:
        parts = urlsplit(value)
        hostname = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(hostname)


def web_url(value: str | None) -> str | None:
    """The address if it may be a link's href, else None (templates show it as text)."""
    return value if is_web_url(value) else None


class WebURL:
    """Validator: empty, or an http(s) address such as https://example.com (spaces around it
    are removed)."""

    message = _l("Enter a web address starting with http:// or https://, "
                 "e.g. https://example.com.")

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        field.data = field.data.strip()
        if not is_web_url(field.data):
            raise ValidationError(self.message)


def same_origin_path(target: str | None) -> str | None:
    """`target` as a path on this site ("/page?x=1"), or None if a browser could read it as
    another site: "//evil.example", "/\\evil.example" (browsers treat "\\" as "/"), a scheme,
    a host, or control characters and spaces (which browsers strip)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if "\\" in target or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    if parts.scheme or parts.netloc:
        return None
    return target
