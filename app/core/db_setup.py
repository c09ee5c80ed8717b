"""Engine set-up that SQLAlchemy leaves to the application."""

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event


def init_app(app: Flask, db: SQLAlchemy) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine

    # pysqlite opens transactions on its own and breaks SAVEPOINT; SQLAlchemy's documented
    # recipe hands transaction control back to SQLAlchemy and enforces foreign keys.
    # Transactions begin IMMEDIATE: SQLite has one writer at a time, and two deferred
    # transactions that both read then write would fail with "database is locked" instead of
    # one waiting for the other (PostgreSQL, the production database, has no such limit).
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
