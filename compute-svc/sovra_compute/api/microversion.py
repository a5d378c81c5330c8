"""Compute API microversions, one comment each.

The maximum is the highest version whose behaviour changes Sovra implements for
every resource it serves. Versions that only concern resources Sovra does not serve
yet (volumes, consoles, migrations, server groups...) change nothing here: those
resources answer 404 at every version.
"""

from sovra_common.wsgi.microversion import Microversions

VERSIONS = [
    "2.1",   # the v2.1 base API
    "2.2",   # key pairs: "type" (ssh/x509); create answers 201, delete 204
    "2.3",   # servers: more OS-EXT-SRV-ATTR fields for admins (hostname, user_data...)
    "2.4",   # (volumes: not served)
    "2.5",   # (ip6 list filter for non-admins: addresses are always empty)
    "2.6",   # (remote consoles: not served)
    "2.7",   # (key pair type checks on boot: ssh only)
    "2.8",   # (mks consoles: not served)
    "2.9",   # servers: "locked" (lock / unlock actions exist at every version)
    "2.10",  # key pairs: admins may act for another user (?user_id= / body user_id)
    "2.11",  # os-services: force-down
    "2.12",  # (interface net_id: not served)
    "2.13",  # (server groups: not served)
    "2.14",  # (evacuate: not served)
    "2.15",  # (soft affinity: not served)
    "2.16",  # servers: "host_status" for admins
    "2.17",  # (crash dump: not served)
    "2.18",  # the project id in the URL is optional (Sovra never needs it)
    "2.19",  # servers: "description" on create and show
    "2.20",  # (volumes of shelved servers: not served)
    "2.21",  # (actions of deleted servers: not served)
    "2.22",  # (live migration: not served)
    "2.23",  # (migrations: not served)
    "2.24",  # (abort live migration: not served)
    "2.25",  # (live migration: not served)
    "2.26",  # servers: "tags" (always empty: the tags API is not served yet)
    "2.27",  # the standard OpenStack-API-Version header
    "2.28",  # (hypervisor cpu_info: not served)
    "2.29",  # (evacuate force: not served)
    "2.30",  # (live migration force: not served)
    "2.31",  # (consoles: not served)
    "2.32",  # servers: device "tag" accepted in networks entries (not used)
    "2.33",  # (hypervisor pagination: not served)
    "2.34",  # (live migration checks: not served)
    "2.35",  # key pairs: list takes limit and marker
    "2.36",  # proxy APIs (images, networks...) removed: never served here
    "2.37",  # servers: create requires "networks", which may be "auto" or "none"
]

MICROVERSIONS = Microversions("compute", VERSIONS,
                              legacy_headers=("X-OpenStack-Nova-API-Version",))
