"""Volume attachment request bodies and query strings (os-volume_attachments)."""

from sovra_compute.api.schemas.server import TAG

_UUID = {"type": "string",
         "pattern": "^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}"
                    "-?[0-9a-fA-F]{12}$"}
#: a device path as the API accepts it (the guest's name may differ: see
#: service/block_device.py); null asks for the next free one
_DEVICE = {"type": ["string", "null"], "pattern": r"^/dev/[a-z]+[0-9]*$"}


def _body(**extra) -> dict:
    return {"type": "object", "properties": {"volumeAttachment": {
        "type": "object",
        "properties": {"volumeId": _UUID, "device": _DEVICE, **extra},
        "required": ["volumeId"], "additionalProperties": False}},
        "required": ["volumeAttachment"], "additionalProperties": False}


_CREATE = _body()
_CREATE_2_49 = _body(tag=TAG)
_CREATE_2_79 = _body(tag=TAG, delete_on_termination={"type": "boolean"})


def create(version) -> dict:
    """The attach body at microversion ``version``: tag from 2.49,
    delete_on_termination from 2.79."""
    if version.matches("2.79"):
        return _CREATE_2_79
    return _CREATE_2_49 if version.matches("2.49") else _CREATE


_UPDATE = {"type": "object", "properties": {"volumeAttachment": {
    "type": "object", "properties": {"volumeId": _UUID},
    "required": ["volumeId"], "additionalProperties": False}},
    "required": ["volumeAttachment"], "additionalProperties": False}
#: 2.85: the rest of the attachment may be given back, delete_on_termination changed
_UPDATE_2_85 = {"type": "object", "properties": {"volumeAttachment": {
    "type": "object",
    "properties": {"volumeId": _UUID, "device": _DEVICE, "tag": TAG,
                   "delete_on_termination": {"type": "boolean"},
                   "serverId": _UUID, "id": _UUID},
    "required": ["volumeId"], "additionalProperties": False}},
    "required": ["volumeAttachment"], "additionalProperties": False}


def update(version) -> dict:
    return _UPDATE_2_85 if version.matches("2.85") else _UPDATE


LIST_QUERY = {"type": "object", "properties": {
    "limit": {"type": "string", "pattern": "^[0-9]+$"},
    "offset": {"type": "string", "pattern": "^[0-9]+$"}},
    "additionalProperties": True}
