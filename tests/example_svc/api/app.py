"""The example service's app, assembled exactly as a real service's is."""

from example_svc.api import policies
from example_svc.api.microversion import MICROVERSIONS
from example_svc.api.routes import ROUTES
from example_svc.service.widget import WidgetStore
from sovra_common.wsgi import app as wsgi_app


def create_app(conf, routes_table=None):
    app = wsgi_app.create_app("example", conf, routes_table=routes_table or ROUTES,
                              fault_style="placement", microversions=MICROVERSIONS,
                              policy_rules=policies.list_rules())
    app.extensions["sovra"].extras["widgets"] = WidgetStore()
    return app
