"""Small helpers the views share."""

from urllib.parse import urlsplit

from flask import request, url_for


def safe_next(target: str | None, fallback: str = "main.index") -> str:
    """`target` if it stays on this site (a path), else the fallback page: no open redirects."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//"):
            return target
    return url_for(fallback)


def back_or(fallback: str = "main.index") -> str:
    referrer = request.referrer
    if referrer and urlsplit(referrer).netloc == request.host:
        parts = urlsplit(referrer)
        return parts.path + ("?" + parts.query if parts.query else "")
    return url_for(fallback)
