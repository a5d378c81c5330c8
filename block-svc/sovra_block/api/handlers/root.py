"""Version discovery: GET / and GET /v3 (no token needed)."""

import flask

from sovra_block.api.microversion import MICROVERSIONS
from sovra_common.wsgi.routes import json_response, public

_UPDATED = "2016-02-08T12:20:21Z"


def _v3(base):
    return {
        "id": "v3.0", "status": "CURRENT", "version": str(MICROVERSIONS.max),
        "min_version": str(MICROVERSIONS.min), "updated": _UPDATED,
        "links": [{"rel": "describedby", "type": "text/html",
                   "href": "https://docs.openstack.org/"},
                  {"rel": "self", "href": f"{base}/v3/"}],
        "media-types": [{"base": "application/json",
                         "type": "application/vnd.openstack.volume+json;version=3"}],
    }


def _base_url():
    return flask.request.host_url.rstrip("/")


@public
def list_versions(req):
    """Every major version (only v3); 300 Multiple Choices, as the API does."""
    return json_response({"versions": [_v3(_base_url())]}, status=300)


@public
def show_v3(req):
    return json_response({"versions": [_v3(_base_url())]})
