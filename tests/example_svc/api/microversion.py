"""Example service microversions, one comment each."""

from sovra_common.wsgi.microversion import Microversions

VERSIONS = [
    "1.0",  # widgets: list, create, show, delete
    "1.1",  # widgets gain an optional "description"
    "1.2",  # list widgets filters by ?name=
]

MICROVERSIONS = Microversions("example", VERSIONS, legacy_headers=("X-Example-API-Version",))
