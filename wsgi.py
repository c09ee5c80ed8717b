"""The WSGI entry point for gunicorn (gunicorn.conf.py): one app per worker process."""

from app import create_app

app = create_app()
