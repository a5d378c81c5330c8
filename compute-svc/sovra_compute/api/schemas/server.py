"""Server request bodies and query strings."""

from sovra_compute.service import config_drive

_NAME = {"type": "string", "minLength": 1, "maxLength": 255,
         "pattern": r"^(?!\s)[\S ]*(?<!\s)$"}
_REF = {"type": "string", "minLength": 1, "maxLength": 255}
METADATA = {"type": "object", "maxProperties": 128,
             "patternProperties": {"^[a-zA-Z0-9-_:. ]{1,255}$": {
                 "type": "string", "maxLength": 255}},
             "additionalProperties": False}
#: a server tag (upstream's rules: 1 to 60 characters, no "/" nor ",")
TAG = {"type": "string", "minLength": 1, "maxLength": 60, "pattern": "^[^,/]*$"}
MAX_TAGS = 50
_NETWORK = {"type": "object", "properties": {
    "uuid": {"type": "string"}, "port": {"type": ["string", "null"]},
    "fixed_ip": {"type": "string"}},
    "additionalProperties": False}
_NETWORK_TAGGED = {**_NETWORK, "properties": {**_NETWORK["properties"], "tag": TAG}}
_PERSONALITY = {"type": "array", "items": {
    "type": "object", "properties": {"path": {"type": "string"},
                                     "contents": {"type": "string"}},
    "additionalProperties": False}}
#: min_count / max_count: a positive integer, or its digits (the handler refuses "0")
_COUNT = {"type": ["integer", "string"], "pattern": "^[0-9]+$", "minimum": 1}
_FQDN = {"type": "string", "minLength": 1, "maxLength": 255,
         "pattern": r"^[a-zA-Z0-9-._]*$"}


def _networks(item):
    return {"oneOf": [{"type": "array", "items": item},
                      {"type": "string", "enum": ["auto", "none"]}]}


_SERVER = {
    "type": "object",
    "properties": {
        "name": _NAME,
        "imageRef": {"type": "string", "maxLength": 255},
        "flavorRef": _REF,
        "key_name": _NAME,
        "user_data": {"type": "string", "maxLength": 65535},
        "metadata": METADATA,
        "availability_zone": {"type": "string", "maxLength": 255},
        "networks": _networks(_NETWORK),
        "security_groups": {"type": "array", "items": {"type": "object"}},
        "min_count": _COUNT,
        "max_count": _COUNT,
        "return_reservation_id": {"type": ["boolean", "string"]},
        "adminPass": {"type": "string"},
        "accessIPv4": {"type": "string"},
        "accessIPv6": {"type": "string"},
        "config_drive": config_drive.SCHEMA,
        "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]},
        "description": {"type": ["string", "null"], "maxLength": 255},
        "personality": _PERSONALITY,
        # each mapping's keys (and its device "tag") are checked by the handler
        "block_device_mapping_v2": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["name", "flavorRef"],
    "additionalProperties": False,
}


def _create(server: dict) -> dict:
    return {"type": "object",
            "properties": {"server": server, "os:scheduler_hints": {"type": "object"},
                           "OS-SCH-HNT:scheduler_hints": {"type": "object"}},
            "required": ["server"], "additionalProperties": False}


def _server(base: dict, *, drop=(), required=None, **properties) -> dict:
    props = {k: v for k, v in {**base["properties"], **properties}.items()
             if k not in drop}
    return {**base, "properties": props, "required": required or base["required"]}


_SERVER_2_32 = _server(_SERVER, networks=_networks(_NETWORK_TAGGED))
_SERVER_2_37 = _server(_SERVER, required=["name", "flavorRef", "networks"])
_SERVER_2_42 = _server(_SERVER_2_37, networks=_networks(_NETWORK_TAGGED))
_SERVER_2_52 = _server(_SERVER_2_42, tags={"type": "array", "items": TAG,
                                           "maxItems": MAX_TAGS})
_SERVER_2_57 = _server(_SERVER_2_52, drop=("personality",))
_SERVER_2_63 = _server(_SERVER_2_57, trusted_image_certificates={
    "type": ["array", "null"], "minItems": 1, "maxItems": 50, "uniqueItems": True,
    "items": {"type": "string", "minLength": 1}})
_SERVER_2_74 = _server(_SERVER_2_63, host=_FQDN, hypervisor_hostname=_FQDN)
#: a hostname the user chooses: one DNS label (2.90), or a whole FQDN (2.94)
HOSTNAME = {"type": "string", "minLength": 1, "maxLength": 63,
            "pattern": r"^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$"}
HOSTNAME_FQDN = {"type": "string", "minLength": 1, "maxLength": 255,
                 "pattern": r"^[a-zA-Z0-9]([a-zA-Z0-9-._]*[a-zA-Z0-9])?$"}
_SERVER_2_90 = _server(_SERVER_2_74, hostname=HOSTNAME)
_SERVER_2_94 = _server(_SERVER_2_74, hostname=HOSTNAME_FQDN)

# (first version, schema): each applies until the next one's version
_CREATE_BY_VERSION = [
    ("2.94", _create(_SERVER_2_94)), ("2.90", _create(_SERVER_2_90)),
    ("2.74", _create(_SERVER_2_74)), ("2.63", _create(_SERVER_2_63)),
    ("2.57", _create(_SERVER_2_57)), ("2.52", _create(_SERVER_2_52)),
    ("2.42", _create(_SERVER_2_42)), ("2.37", _create(_SERVER_2_37)),
    ("2.33", _create(_SERVER)), ("2.32", _create(_SERVER_2_32)),
    ("2.1", _create(_SERVER)),
]


def create(version) -> dict:
    """The server create body's schema at microversion ``version``."""
    return next(schema for first, schema in _CREATE_BY_VERSION
                if version.matches(first))


_QUERY = {"type": "string"}
_MULTI = {"type": "array", "items": {"type": "string"}}
#: the list filters and sort keys upstream's schema knows (2.1)
_LIST_PARAMS = {name: _QUERY for name in (
    "user_id", "project_id", "tenant_id", "launch_index", "image_ref", "image",
    "kernel_id", "ramdisk_id", "hostname", "key_name", "power_state", "vm_state",
    "task_state", "host", "node", "flavor", "reservation_id", "launched_at",
    "terminated_at", "availability_zone", "name", "display_name", "description",
    "display_description", "locked_by", "uuid", "root_device_name", "config_drive",
    "access_ip_v4", "access_ip_v6", "auto_disk_config", "progress", "all_tenants",
    "soft_deleted", "deleted", "status", "ip", "ip6", "created_at", "marker",
    # joined tables upstream refuses as filters (a 400 at every version)
    "block_device_mapping", "services", "metadata", "system_metadata", "info_cache",
    "security_groups", "pci_devices")}
_LIST_PARAMS.update({"limit": {"type": "string", "pattern": "^[0-9]+$"},
                     "changes-since": _MULTI, "sort_key": _MULTI, "sort_dir": _MULTI})
#: sort keys that are valid but dropped before 2.75 (a 400 from 2.75)
IGNORED_SORT_KEYS = (
    "architecture", "cell_name", "cleaned", "default_ephemeral_device",
    "default_swap_device", "deleted", "deleted_at", "disable_terminate",
    "ephemeral_gb", "ephemeral_key_uuid", "id", "key_data", "launched_on", "locked",
    "memory_mb", "os_type", "reservation_id", "root_gb", "shutdown_terminate",
    "user_data", "vcpus", "vm_mode")
SORT_KEYS = (
    "access_ip_v4", "access_ip_v6", "auto_disk_config", "availability_zone",
    "config_drive", "created_at", "display_description", "display_name", "host",
    "hostname", "image_ref", "instance_type_id", "kernel_id", "key_name",
    "launch_index", "launched_at", "locked_by", "node", "power_state", "progress",
    "project_id", "ramdisk_id", "root_device_name", "task_state", "terminated_at",
    "updated_at", "user_id", "uuid", "vm_state")
JOINED_TABLE_FILTERS = ("block_device_mapping", "services", "metadata",
                        "system_metadata", "info_cache", "security_groups",
                        "pci_devices")


def _list_query(strict: bool, **params) -> dict:
    return {"type": "object", "properties": {**_LIST_PARAMS, **params},
            "additionalProperties": not strict}


_TAG_FILTERS = {name: _QUERY for name in ("tags", "tags-any", "not-tags",
                                          "not-tags-any")}
LIST_QUERY = _list_query(False)
LIST_QUERY_V2_26 = _list_query(False, **_TAG_FILTERS)
LIST_QUERY_V2_66 = _list_query(False, **_TAG_FILTERS, **{"changes-before": _MULTI})
LIST_QUERY_V2_73 = _list_query(False, **_TAG_FILTERS, **{"changes-before": _MULTI},
                               locked=_QUERY)
LIST_QUERY_V2_75 = _list_query(True, **_TAG_FILTERS, **{"changes-before": _MULTI},
                               locked=_QUERY, sort_key={"type": "array", "items": {
                                   "type": "string",
                                   "enum": [*SORT_KEYS, "locked"]}})


def list_query(version) -> dict:
    """The server list query string's schema at microversion ``version``."""
    for first, schema in (("2.75", LIST_QUERY_V2_75), ("2.73", LIST_QUERY_V2_73),
                          ("2.66", LIST_QUERY_V2_66), ("2.26", LIST_QUERY_V2_26)):
        if version.matches(first):
            return schema
    return LIST_QUERY


ACTION = {"type": "object", "minProperties": 1, "maxProperties": 1}
REBOOT = {"type": "object", "properties": {"type": {
    "type": "string", "enum": ["SOFT", "HARD", "soft", "hard"]}},
    "required": ["type"], "additionalProperties": False}
CREATE_IMAGE = {"type": "object", "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"\S"},
    "metadata": {"type": "object", "maxProperties": 128,
                 "propertyNames": {"minLength": 1, "maxLength": 255},
                 "additionalProperties": {"type": "string", "maxLength": 255}}},
    "required": ["name"], "additionalProperties": False}
LOCK_V2_73 = {"type": ["object", "null"], "properties": {"locked_reason": {
    "type": "string", "minLength": 1, "maxLength": 255}},
    "additionalProperties": False}
RESET_STATE = {"type": "object", "properties": {"state": {
    "type": "string", "enum": ["active", "error"]}},
    "required": ["state"], "additionalProperties": False}
CONSOLE_OUTPUT = {"type": "object", "properties": {"length": {
    "type": ["integer", "string", "null"], "pattern": "^-?[0-9]+$"}},
    "additionalProperties": False}

UPDATE = {
    "type": "object",
    "properties": {"server": {
        "type": "object",
        "properties": {"name": _NAME, "accessIPv4": {"type": "string"},
                       "accessIPv6": {"type": "string"},
                       "OS-DCF:diskConfig": {"type": "string",
                                             "enum": ["AUTO", "MANUAL"]},
                       "description": {"type": ["string", "null"], "maxLength": 255}},
        "additionalProperties": False,
    }},
    "required": ["server"],
    "additionalProperties": False,
}


def _update_with(hostname: dict) -> dict:
    server = UPDATE["properties"]["server"]
    return {**UPDATE, "properties": {"server": {
        **server, "properties": {**server["properties"], "hostname": hostname}}}}


UPDATE_V2_90 = _update_with(HOSTNAME)
UPDATE_V2_94 = _update_with(HOSTNAME_FQDN)


def update(version) -> dict:
    """The server update body's schema at microversion ``version``."""
    if version.matches("2.94"):
        return UPDATE_V2_94
    return UPDATE_V2_90 if version.matches("2.90") else UPDATE


_REBUILD_BASE = {
    "imageRef": _REF, "name": _NAME, "metadata": METADATA,
    "adminPass": {"type": "string"}, "preserve_ephemeral": {"type": "boolean"},
    "accessIPv4": {"type": "string"}, "accessIPv6": {"type": "string"},
    "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]},
}
#: (first version, what it adds to the rebuild body or removes from it)
_REBUILD_CHANGES = [
    ("2.1", {"personality": _PERSONALITY}),
    ("2.19", {"description": {"type": ["string", "null"], "maxLength": 255}}),
    ("2.54", {"key_name": {"type": ["string", "null"], "minLength": 1,
                           "maxLength": 255}}),
    ("2.57", {"user_data": {"type": ["string", "null"], "maxLength": 65535},
              "personality": None}),
    ("2.63", {"trusted_image_certificates": {"type": ["array", "null"]}}),
    ("2.90", {"hostname": HOSTNAME}),
    ("2.94", {"hostname": HOSTNAME_FQDN}),
]


def _rebuild_schemas() -> list[tuple[str, dict]]:
    """One schema per version that changed the rebuild body, newest first."""
    schemas, props = [], dict(_REBUILD_BASE)
    for first, change in _REBUILD_CHANGES:
        props = dict(props)
        for name, prop in change.items():  # None: removed at that version
            if prop is None:
                props.pop(name, None)
            else:
                props[name] = prop
        schemas.append((first, {"type": "object", "properties": props,
                                "required": ["imageRef"],
                                "additionalProperties": False}))
    return schemas[::-1]


_REBUILD_BY_VERSION = _rebuild_schemas()


def rebuild(version) -> dict:
    """The rebuild action's argument schema at microversion ``version`` (built once
    per version that changed it: the validator caches schemas by identity)."""
    return next(schema for first, schema in _REBUILD_BY_VERSION
                if version.matches(first))


MIGRATE = {"type": "null"}
MIGRATE_V2_56 = {"type": ["object", "null"], "properties": {
    "host": {"type": ["string", "null"], "minLength": 1, "maxLength": 255}},
    "additionalProperties": False}
_EVACUATE_HOST = {"type": "string", "minLength": 1, "maxLength": 255}
_ADMIN_PASS = {"type": "string"}
EVACUATE = {"type": "object", "properties": {
    "host": _EVACUATE_HOST, "adminPass": _ADMIN_PASS,
    "onSharedStorage": {"type": ["boolean", "string"]}},
    "required": ["onSharedStorage"], "additionalProperties": False}
EVACUATE_V2_14 = {"type": "object", "properties": {
    "host": _EVACUATE_HOST, "adminPass": _ADMIN_PASS},
    "additionalProperties": False}
EVACUATE_V2_29 = {**EVACUATE_V2_14, "properties": {
    **EVACUATE_V2_14["properties"], "force": {"type": ["boolean", "string"]}}}
RESIZE = {"type": "object", "properties": {
    "flavorRef": _REF,
    "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]}},
    "required": ["flavorRef"], "additionalProperties": False}

