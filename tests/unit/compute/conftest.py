"""Compute unit fixtures: a migrated in-memory database, an in-process coordinator,
recording stand-ins for placement and the RPC clients, and the API over them."""

import pytest
from compute_api import build_api, close_api

from sovra_common.coordination import inprocess
from sovra_common.db import Database, migration
from sovra_compute.db import DATABASE


class Recorder:
    """Records every call: ``calls`` is [(method, args, kwargs)]."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)

        def record(*args, **kwargs):
            self.calls.append((name, args, kwargs))
        return record

    def named(self, name):
        return [(args, kwargs) for method, args, kwargs in self.calls if method == name]

    @staticmethod
    def can_send_version(version):
        """An RPC client's question, not a call: a peer of the current version."""
        return True


@pytest.fixture
def db():
    database = Database.from_url("sqlite://")
    migration.upgrade(database, DATABASE.migrations)
    yield database
    database.dispose()


@pytest.fixture
def coordinator():
    coord = inprocess.InProcessCoordinator()
    coord.start()
    yield coord
    coord.stop()


@pytest.fixture
def recorder():
    return Recorder


@pytest.fixture
def api(db, coordinator, recorder):
    """The compute API's test client (see compute_api.build_api)."""
    client = build_api(db, coordinator, recorder)
    yield client
    close_api(client)
