"""Project ids in Block Storage URLs.

Clients build v3 URLs from the catalog, and catalogs differ: older ones name
``/v3/%(project_id)s``, newer ones (microversion 3.67 made it optional) plain
``/v3``. The route table is written without the project id; this middleware drops
a project id segment that follows ``/v3/`` before routing, so both forms reach the
same handler. Authorization never trusts that segment: handlers use the token's
project.
"""

from __future__ import annotations

# The first path segments of v3 resources: anything else after /v3/ is taken for a
# project id.
TOP_LEVEL = frozenset({
    "volumes", "snapshots", "types", "attachments", "os-quota-sets", "limits",
    "os-services", "os-availability-zone", "scheduler-stats", "qos-specs",
    "volume-transfers", "os-volume-transfer", "backups", "extensions",
    "os-hosts", "capabilities", "default-types", "messages", "groups",
    "group_types", "group_snapshots", "clusters", "workers", "resource_filters",
    "manageable_volumes", "manageable_snapshots",
})


class StripProjectId:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/v3/"):
            segment, sep, rest = path[4:].partition("/")
            if segment and segment not in TOP_LEVEL:
                environ["sovra.block.url_project_id"] = segment
                environ["PATH_INFO"] = "/v3" + (sep + rest if sep else "")
        return self.app(environ, start_response)
