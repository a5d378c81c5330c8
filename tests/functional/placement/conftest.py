"""The placement API served by ApiServer on 127.0.0.1, over a migrated SQLite file,
with noauth (token "admin" is the admin context)."""

import pytest
from placement_client import Client, start_server, stop_server


@pytest.fixture
def placement_server(tmp_path):
    server = start_server(tmp_path)
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture
def client(placement_server):
    api = Client(placement_server.url)
    yield api
    api.close()
