"""Databases for the db layer's unit tests: SQLite only (in memory or in tmp_path)."""

import pytest

from example_svc.db import DATABASE
from sovra_common.db import Database, migration


@pytest.fixture
def memory_db():
    db = Database.from_url("sqlite://")
    yield db
    db.dispose()


@pytest.fixture
def file_url(tmp_path):
    return f"sqlite:///{tmp_path / 'test.sqlite'}"


@pytest.fixture
def file_db(file_url):
    db = Database.from_url(file_url, sqlite_busy_timeout=0.2)
    yield db
    db.dispose()


@pytest.fixture
def example_db(file_db):
    """A SQLite file with the example service's schema at head."""
    migration.upgrade(file_db, DATABASE.migrations)
    return file_db
