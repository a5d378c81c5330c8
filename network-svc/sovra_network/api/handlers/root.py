"""Version discovery (``GET /``) and the v2.0 resource list (``GET /v2.0``)."""

from sovra_common.wsgi.routes import json_response, public

_RESOURCES = ("network", "subnet", "subnetpool", "port", "security_group",
              "security_group_rule", "quota")


def _root(req) -> str:
    return req.host_url.rstrip("/")


@public
def list_versions(req):
    href = f"{_root(req)}/v2.0/"
    return json_response({"versions": [
        {"id": "v2.0", "status": "CURRENT",
         "links": [{"rel": "self", "href": href}]}]})


@public
def show_v2(req):
    base = f"{_root(req)}/v2.0"
    return json_response({"resources": [
        {"name": name, "collection": f"{name}s",
         "links": [{"rel": "self", "href": f"{base}/{name}s"}]}
        for name in _RESOURCES]})
