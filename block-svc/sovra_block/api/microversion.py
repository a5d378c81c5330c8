"""Block Storage API v3 microversions, one comment each.

Clients ask with ``OpenStack-API-Version: volume 3.N``; without it they get 3.0.
The maximum is the highest version whose behaviour changes Sovra implements for
every resource it serves. A version that only concerns a resource Sovra does not
serve (groups, messages, clusters, backups...) changes nothing here: those
resources answer 404 at every version, so the row says "(not served)".
"""

from sovra_common.wsgi.microversion import Microversions

VERSIONS = [
    "3.0",   # the v3 base API (v2's calls, under /v3)
    "3.1",   # os-volume_upload_image: "visibility" and "protected"
    "3.2",   # volume list: ?bootable= takes true/false/1/0 strictly
    "3.3",   # (user messages: not served)
    "3.4",   # volume list: ?glance_metadata= filter
    "3.5",   # (message pagination: not served)
    "3.6",   # (consistency group names: not served)
    "3.7",   # (service cluster_name: not served)
    "3.8",   # (manageable volumes and snapshots: not served)
    "3.9",   # (backup update: not served)
    "3.10",  # (volume list ?group_id=: no groups)
    "3.11",  # (group types: not served)
    "3.12",  # (volumes summary: not served)
    "3.13",  # (groups: not served)
    "3.14",  # (group snapshots: not served)
    "3.15",  # (ETag on volume actions: not served)
    "3.16",  # (migration to a cluster: not served)
    "3.17",  # (manageable snapshots: not served)
    "3.18",  # (backup project attribute: not served)
    "3.19",  # (group snapshot reset: not served)
    "3.20",  # (group reset: not served)
    "3.21",  # volumes: "provider_id" for admins (always null: no external ids)
    "3.22",  # snapshot list: ?metadata= filter
    "3.23",  # (volume type delete with force: not served)
    "3.24",  # (workers cleanup: not served)
    "3.25",  # volumes: "group_id" (always null: no groups)
    "3.26",  # (replication failover of clusters: not served)
    "3.27",  # the attachments API (/attachments)
    "3.28",  # pools: ?name= and ?volume_type= filters
    "3.29",  # (group pagination: not served)
    "3.30",  # snapshot list: sort keys
    "3.31",  # (filters from resource_filters: the listed filters are accepted)
    "3.32",  # (log levels: not served)
    "3.33",  # (resource filters API: not served)
    "3.34",  # list filters: "name~" like matching on volumes and snapshots
    "3.35",  # (volume list ?group_id=: no groups)
    "3.36",  # (summary metadata: not served)
    "3.37",  # (backup sort by name: not served)
    "3.38",  # (group replication: not served)
    "3.39",  # limits: admins may ask ?project_id= for another project
    "3.40",  # (revert to snapshot: not served)
    "3.41",  # snapshots: "user_id"
    "3.42",  # os-extend on an in-use volume
    "3.43",  # (backup metadata: not served)
    "3.44",  # attachments: POST /attachments/{id}/action os-complete
]

MICROVERSIONS = Microversions("volume", VERSIONS)
