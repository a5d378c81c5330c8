from example_svc.api.microversion import MICROVERSIONS
from sovra_common.wsgi.routes import json_response, public


@public
def show_versions(req):
    return json_response({"versions": [{
        "id": "v1", "status": "CURRENT", "min_version": str(MICROVERSIONS.min),
        "version": str(MICROVERSIONS.max)}]})
