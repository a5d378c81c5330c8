"""Allocation candidates on MariaDB: the statements the search builds once and
reuses (capacity per request shape, reads by id ranges and expanding IN lists, the
root id range) give the answer they give on SQLite, for the request shapes of the
unit tests, with and without a limit (the windows of root ids)."""

import uuid

import pytest
import sqlalchemy as sa
from unit.placement import test_placement_allocation_candidate_paths as paths

from sovra_common.db import Database, migration
from sovra_placement.db import DATABASE, models
from sovra_placement.service import allocation_candidate as ac
from sovra_placement.service import resource_class, trait
from sovra_placement.service.candidate_request import Request


def _database(url):
    database = Database.from_url(url)
    migration.upgrade(database, DATABASE.migrations)
    resource_class.sync_standard(database)
    trait.sync_standard(database)
    return database


@pytest.fixture
def databases(mariadb_server):
    """The same cloud on MariaDB and on SQLite."""
    made = [_database(mariadb_server.url_for(f"sovra_ac_{uuid.uuid4().hex[:12]}")),
            _database("sqlite://")]
    for db in made:
        paths._cloud(db)
    yield made
    for db in made:
        db.dispose()


def _answer(db, request):
    """The candidates and summaries, providers by name (their uuids are random)."""
    result = ac.find(db, request, cap=1000)
    rp = models.ResourceProvider
    with db.reader() as session:
        name = dict(session.execute(sa.select(rp.uuid, rp.name)).all())
    uuid_of = {rp_id: s["uuid"] for rp_id, s in result.providers.items()}
    candidates = [sorted((name[uuid_of[rp_id]], sorted(res.items()))
                         for rp_id, res in c.allocations.items())
                  for c in result.candidates]
    summaries = {name[s["uuid"]]: (s["resources"], sorted(s["traits"]))
                 for s in result.providers.values()}
    return candidates, summaries


@pytest.mark.parametrize("limit", [None, 3])
def test_candidates_match_sqlite(databases, limit):
    for request_name in sorted(set(paths.REQUESTS) - {"sharing"}):  # no sharer here
        request = Request(groups=paths.REQUESTS[request_name], limit=limit)
        mariadb, sqlite = (_answer(db, request) for db in databases)
        assert mariadb == sqlite, request_name
        assert mariadb[0], request_name
