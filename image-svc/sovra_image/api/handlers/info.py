"""Discovery of what this deployment offers: ``/v2/info/stores``, ``/v2/info/import``."""

from sovra_common.wsgi.routes import json_response
from sovra_image.api.policies import info as policies
from sovra_image.service import image_import as import_service


def list_stores(req):
    req.authorize(policies.GET_STORES)
    stores = req.state.extras["store"]
    return json_response({"stores": [
        {"id": store_id, "description": stores.descriptions.get(store_id, store_id),
         **({"default": True} if store is stores.default else {})}
        for store_id, store in stores.stores.items()]})


def show_import_info(req):
    req.authorize(policies.GET_IMPORT_INFO)
    methods = import_service.offered_methods(req.state.conf, req.state.extras["store"])
    return json_response({"import-methods": {
        "description": "Import methods available.", "type": "array", "value": methods}})
