"""Version discovery: ``/`` (300, every version) and ``/v3`` (200, this one)."""

from sovra_common.wsgi.routes import json_response, public

VERSION_ID = "v3.14"
UPDATED = "2020-04-07T00:00:00Z"


def _version(req) -> dict:
    return {"id": VERSION_ID, "status": "stable", "updated": UPDATED,
            "links": [{"rel": "self", "href": req.host_url.rstrip("/") + "/v3/"}],
            "media-types": [{"base": "application/json",
                             "type": "application/vnd.openstack.identity-v3+json"}]}


@public
def list_versions(req):
    return json_response({"versions": {"values": [_version(req)]}}, status=300)


@public
def show_version(req):
    return json_response({"version": _version(req)})
