"""The block storage service's app: the common app factory, plus its database, the
bus (casts and calls to the volume agents, notifications) and the image client
(volumes from images, uploads to images)."""

from __future__ import annotations

from sovra_block import rpc as block_rpc
from sovra_block.api import policies, project_path
from sovra_block.api.microversion import MICROVERSIONS
from sovra_block.api.routes import ROUTES
from sovra_common import rpc
from sovra_common.db import Database
from sovra_common.wsgi import app as wsgi_app
from sovra_image import client as image_client


def create_app(conf, *, database=None, transport=None, notifier=None, images=None):
    """The Flask app. Defaults: ``database`` from [database]; ``transport`` (RPC to
    the volume agents) and ``notifier`` from [messaging]; ``images``: context -> an
    image client acting for that context's user."""
    app = wsgi_app.create_app("block", conf, routes_table=ROUTES, fault_style="block",
                              microversions=MICROVERSIONS,
                              policy_rules=policies.list_rules())
    # /v3/<project_id>/volumes and /v3/volumes both reach /v3/volumes.
    app.wsgi_app = project_path.StripProjectId(app.wsgi_app)
    extras = app.extensions["sovra"].extras
    extras["db"] = database if database is not None else Database.from_conf(
        conf, name="block")
    if transport is None:
        transport = extras["transport"] = rpc.build_rpc_transport(
            conf, allowed_remote_exmods=("sovra_block.drivers.base",))
    extras["agents"] = block_rpc.VolumeAgentAPI(transport)
    extras["images"] = images or image_client.context_factory(
        conf, interface=conf.block.image_interface)
    if notifier is None:
        extras["notification_transport"] = rpc.build_notification_transport(conf)
        notifier = rpc.Notifier(extras["notification_transport"],
                                f"volume.{conf.block.host}")
    extras["notifier"] = notifier
    return app


def close(app) -> None:
    """Release the app's database connections and bus transports."""
    extras = app.extensions["sovra"].extras
    extras["db"].dispose()
    for key in ("transport", "notification_transport"):
        if key in extras:
            extras[key].cleanup()
