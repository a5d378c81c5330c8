"""Version discovery: GET / (no token, no microversion)."""

from sovra_common.wsgi.routes import json_response, public
from sovra_placement.api.microversion import MICROVERSIONS


@public
def show_versions(req):
    return json_response({"versions": [{
        "id": "v1.0",
        "max_version": str(MICROVERSIONS.max),
        "min_version": str(MICROVERSIONS.min),
        "status": "CURRENT",
        "links": [{"rel": "self", "href": ""}],
    }]})
