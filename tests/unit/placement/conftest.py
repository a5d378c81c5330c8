"""An in-memory placement database, migrated, with the standard classes and traits."""

import pytest

from sovra_common.db import Database, migration
from sovra_placement.db import DATABASE
from sovra_placement.service import resource_class, trait


@pytest.fixture
def db():
    database = Database.from_url("sqlite://")
    migration.upgrade(database, DATABASE.migrations)
    resource_class.sync_standard(database)
    trait.sync_standard(database)
    yield database
    database.dispose()
