"""Compute API microversions, one comment each.

The maximum is the highest version whose behaviour changes Sovra implements for
every resource it serves. Versions that only concern resources Sovra does not serve
yet (volumes, consoles, migrations, server groups...) change nothing here: those
resources answer 404 at every version.
"""

from sovra_common import exception
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
    "2.13",  # server groups: project_id and user_id
    "2.14",  # evacuate: no onSharedStorage, no adminPass in the answer
    "2.15",  # server groups: soft-affinity and soft-anti-affinity policies
    "2.16",  # servers: "host_status" for admins
    "2.17",  # (crash dump: not served)
    "2.18",  # the project id in the URL is optional (Sovra never needs it)
    "2.19",  # servers: "description" on create and show
    "2.20",  # (volumes of shelved servers: not served)
    "2.21",  # instance actions: those of a deleted server can still be read
    "2.22",  # (live migration: not served)
    "2.23",  # os-migrations: "migration_type" (and "links")
    "2.24",  # (abort live migration: not served)
    "2.25",  # (live migration: not served)
    "2.26",  # servers: "tags", the /servers/{id}/tags API, tags list filters
    "2.27",  # the standard OpenStack-API-Version header
    "2.28",  # hypervisors: cpu_info is an object, not a JSON string
    "2.29",  # evacuate: "force" accepted (the host asked for is still checked)
    "2.30",  # (live migration force: not served)
    "2.31",  # (consoles: not served)
    "2.32",  # servers: device "tag" accepted in networks and block devices
    "2.33",  # hypervisors: limit and marker; servers: no block device "tag"
    "2.34",  # (live migration checks: not served)
    "2.35",  # key pairs: list takes limit and marker
    "2.36",  # proxy APIs (images, networks...) removed: never served here
    "2.37",  # servers: create requires "networks" ("auto", "none"), no network tag
    "2.38",  # servers: an unknown status filter is a 400 (was an empty list)
    "2.39",  # limits: no maxImageMeta (the image-metadata proxy: never served here)
    "2.40",  # os-simple-tenant-usage: limit and marker, tenant_usages_links
    "2.41",  # aggregates: "uuid" in bodies (the aggregate's in placement too)
    "2.42",  # servers: device "tag" accepted again in networks and block devices
    "2.43",  # (os-hosts removed: never served here)
    "2.44",  # (fixed/floating IP actions and virtual interfaces removed: not served)
    "2.45",  # servers: createImage answers {"image_id"} instead of a Location
    "2.46",  # X-OpenStack-Request-ID next to X-Compute-Request-Id (at every version)
    "2.47",  # servers: the flavor embedded (sizes, original_name, extra_specs)
    "2.48",  # (standard server diagnostics: diagnostics not served)
    "2.49",  # volume attachments: "tag" on attach (interface attach: not served)
    "2.50",  # (os-quota-class-sets: not served)
    "2.51",  # instance actions: events shown to the owner (tracebacks to admins)
    "2.52",  # servers: "tags" on create
    "2.53",  # os-services, os-hypervisors: UUID ids, PUT/DELETE /os-services/{id},
             # hostname pattern and with_servers queries (search/servers removed)
    "2.54",  # servers: rebuild takes key_name
    "2.55",  # flavors: "description" (create, PUT /flavors/{id}, every body)
    "2.56",  # migrate: an optional destination "host"
    "2.57",  # servers: no personality, rebuild takes user_data; limits and quota
             # sets: no injected files
    "2.58",  # instance actions: limit, marker, changes-since; "updated_at"
    "2.59",  # os-migrations: "uuid"; limit, marker, changes-since
    "2.60",  # (multiattach volumes: refused, no shareable disks)
    "2.61",  # flavors: "extra_specs" in flavor bodies
    "2.62",  # instance action events: "hostId", and "host" for admins
    "2.63",  # servers: "trusted_image_certificates" (null: refused on create and
             # rebuild)
    "2.64",  # server groups: one "policy" and its "rules" (no policies, metadata)
    "2.65",  # (abort queued live migrations: not served)
    "2.66",  # servers, instance actions, os-migrations: changes-before filter
    "2.67",  # servers: "volume_type" of a volume made at create
    "2.68",  # evacuate: no "force" (live migration: not served)
    "2.69",  # (minimal bodies from down cells: Sovra has one cell, always up)
    "2.70",  # volume attachments: "tag" in bodies (interfaces: not served)
    "2.71",  # servers: "server_groups" in show, update and rebuild
    "2.72",  # (ports with resource requests: ports not served)
    "2.73",  # servers: lock takes locked_reason, "locked_reason", locked filter
    "2.74",  # servers: admins may ask for a host / hypervisor_hostname on create
    "2.75",  # servers: unknown list query parameters are a 400, update and rebuild
             # answer the full body; flavors: swap 0 instead of ""; hypervisors:
             # "servers" always there when asked for
    "2.76",  # (power-update external event: not served)
    "2.77",  # (availability zone on unshelve: not served)
    "2.78",  # servers: GET /servers/{id}/topology (no NUMA topology: no nodes)
    "2.79",  # volume attachments: "delete_on_termination" on attach, in bodies
    "2.80",  # os-migrations: "user_id", "project_id" (and filters)
    "2.81",  # (image caching by aggregate, POST /os-aggregates/{id}/images: not
             # served; the other aggregate APIs are)
    "2.82",  # (accelerator-request-bound external event: not served)
    "2.83",  # servers: more list filters for everyone (zone, key_name, states,
             # launch and termination times, user_id...)
    "2.84",  # instance action events: "details" (a failed event's fault message)
    "2.85",  # volume attachments: PUT changes delete_on_termination
    "2.86",  # flavor extra specs: keys of known namespaces checked (name and value)
    "2.87",  # (rescue of volume-backed servers: rescue not served)
    "2.88",  # hypervisors: no capacity / usage fields, "uptime" (null: not known
             # yet), no /os-hypervisors/statistics
    "2.89",  # volume attachments: "attachment_id", "bdm_uuid", no "id" (list,
             # show)
    "2.90",  # servers: "hostname" on create, update and rebuild;
             # OS-EXT-SRV-ATTR:hostname shown to everyone
    "2.91",  # (unshelve to a host: shelve not served)
    "2.92",  # key pairs: import only (no generated keys), "@" and "." in names
    "2.93",  # (rebuild of volume-backed servers: volume-backed servers not served)
    "2.94",  # servers: the hostname may be a fully qualified domain name
    "2.95",  # evacuate: the server lands stopped (SHUTOFF)
    "2.96",  # servers: "pinned_availability_zone" (the zone asked for, or null)
    "2.97",  # (server shares: not served)
    "2.98",  # servers: the image's properties (hw_, img_, os_) under "image"
    "2.99",  # (spice-direct consoles: consoles not served)
    "2.100",  # servers: "OS-SCH-HNT:scheduler_hints" (those of the create request)
]


def require(req, version: str) -> None:
    """NotFound (404, as upstream) when ``req`` asks for a version below
    ``version``: the resource or method it calls did not exist then."""
    if not req.microversion.matches(version):
        raise exception.NotFound("The resource could not be found.")

MICROVERSIONS = Microversions("compute", VERSIONS,
                              legacy_headers=("X-OpenStack-Nova-API-Version",))
