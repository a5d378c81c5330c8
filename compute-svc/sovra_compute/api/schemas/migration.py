"""os-migrations query strings (parameters not listed are ignored, as upstream
does)."""

_STRING = {"type": "string"}

LIST_QUERY = {
    "type": "object",
    "properties": {"instance_uuid": _STRING, "status": _STRING, "host": _STRING,
                   "source_compute": _STRING, "migration_type": {
                       "type": "string", "enum": ["migration", "resize",
                                                  "live-migration", "evacuation"]},
                   "hidden": _STRING},
}
LIST_QUERY_V2_59 = {**LIST_QUERY, "properties": {
    **LIST_QUERY["properties"], "limit": {"type": "string", "pattern": "^[0-9]+$"},
    "marker": _STRING, "changes-since": _STRING}}
LIST_QUERY_V2_66 = {**LIST_QUERY_V2_59, "properties": {
    **LIST_QUERY_V2_59["properties"], "changes-before": _STRING}}
LIST_QUERY_V2_80 = {**LIST_QUERY_V2_66, "properties": {
    **LIST_QUERY_V2_66["properties"], "user_id": _STRING, "project_id": _STRING}}
