"""The image service's app: the common app factory, plus its database, store and
schemas."""

from sovra_common import rpc
from sovra_common.db import Database
from sovra_common.wsgi import app as wsgi_app
from sovra_image.api import policies
from sovra_image.api.routes import ROUTES
from sovra_image.api.schemas.image import ImageSchemas
from sovra_image.drivers import store as stores
from sovra_image.service import quota


def create_app(conf, *, database=None, store=None, notifier=None, limits=None):
    """The Flask app. ``database``/``store`` default to those the configuration
    names ([database] connection, [image] enabled_stores); ``notifier`` to a
    sovra_common.rpc.Notifier on [messaging]'s notification transport; ``limits``
    to the quotas [image] names (sovra_image.service.quota)."""
    app = wsgi_app.create_app("image", conf, routes_table=ROUTES, fault_style="image",
                              policy_rules=policies.list_rules())
    extras = app.extensions["sovra"].extras
    extras["db"] = database if database is not None else Database.from_conf(
        conf, name="image")
    extras["store"] = store if store is not None else stores.from_conf(conf)
    extras["schemas"] = ImageSchemas(conf)
    extras["limits"] = limits if limits is not None else quota.from_conf(conf)
    if notifier is None:
        extras["transport"] = rpc.build_notification_transport(conf)
        notifier = rpc.Notifier(extras["transport"], "image.api")
    extras["notifier"] = notifier
    return app


def close(app) -> None:
    """Release the app's database connections and bus transport."""
    extras = app.extensions["sovra"].extras
    extras["db"].dispose()
    if "transport" in extras:
        extras["transport"].cleanup()
