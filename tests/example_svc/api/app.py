"""The example service's app, assembled exactly as a real service's is."""

from example_svc.api import policies
from example_svc.api.microversion import MICROVERSIONS
from example_svc.api.routes import ROUTES
from example_svc.db import DATABASE
from sovra_common.db import Database, migration
from sovra_common.wsgi import app as wsgi_app


def create_app(conf, routes_table=None):
    """The app, with its database from ``[database] connection``.

    A real service expects ``sovra-manage <service> db sync`` to have run; the example
    migrates its own database here, and with no connection configured uses a private
    in-memory SQLite, so each test gets a fresh, empty service.
    """
    if conf.database.connection is None:
        conf.set_override("connection", "sqlite://", group="database")
    db = Database.from_conf(conf, name="example")
    migration.upgrade(db, DATABASE.migrations)
    app = wsgi_app.create_app("example", conf, routes_table=routes_table or ROUTES,
                              fault_style="placement", microversions=MICROVERSIONS,
                              policy_rules=policies.list_rules())
    app.extensions["sovra"].extras["db"] = db
    return app
