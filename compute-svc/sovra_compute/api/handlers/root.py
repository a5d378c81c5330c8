"""Version discovery: GET / and GET /v2.1 (no token needed)."""

import flask

from sovra_common.wsgi.routes import json_response, public
from sovra_compute.api.microversion import MICROVERSIONS

_UPDATED = "2013-07-23T11:33:21Z"


def _base_url():
    return flask.request.host_url.rstrip("/")


def _v21(base):
    return {"id": "v2.1", "status": "CURRENT", "version": str(MICROVERSIONS.max),
            "min_version": str(MICROVERSIONS.min), "updated": _UPDATED,
            "links": [{"rel": "self", "href": f"{base}/v2.1/"}]}


@public
def list_versions(req):
    return json_response({"versions": [_v21(_base_url())]}, status=200)


@public
def show_version(req):
    base = _base_url()
    version = _v21(base)
    version["links"].append({"rel": "describedby", "type": "text/html",
                             "href": "https://docs.openstack.org/"})
    version["media-types"] = [{"base": "application/json",
                               "type": "application/vnd.openstack.compute+json;version=2.1"}]
    return json_response({"version": version})
