"""Version discovery: ``GET /`` (300 Multiple Choices) and ``GET /versions`` (200)."""

from sovra_common.wsgi.routes import json_response, public

# Image API v2 minor versions; the last one is CURRENT.
VERSIONS = ["2.0", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.8", "2.9",
            "2.10", "2.11", "2.12", "2.13", "2.14", "2.15", "2.16"]


def _versions(req):
    href = req.host_url.rstrip("/") + "/v2/"
    return {"versions": [
        {"id": f"v{version}", "status": "CURRENT" if version == VERSIONS[-1]
         else "SUPPORTED", "links": [{"rel": "self", "href": href}]}
        for version in reversed(VERSIONS)]}


@public
def show_root(req):
    return json_response(_versions(req), status=300)


@public
def list_versions(req):
    return json_response(_versions(req))
