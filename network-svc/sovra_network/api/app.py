"""The network service's app: the common app factory, plus its database, the bus
(notifications and the fanout to agents) and the coordinator (which agents are up)."""

from __future__ import annotations

from sovra_common import coordination, rpc
from sovra_common.db import Database
from sovra_common.wsgi import app as wsgi_app
from sovra_network import rpc as network_rpc
from sovra_network.api import compute_events as compute_events_module
from sovra_network.api import policies
from sovra_network.api.routes import ROUTES


def create_app(conf, *, database=None, coordinator=None, transport=None,
               notifier=None, compute_events=None):
    """The Flask app. Defaults: ``database`` from [database]; ``coordinator`` a new
    one from [coordination] (started here, stopped by close()); ``transport`` (RPC
    to agents) and ``notifier`` from [messaging]; ``compute_events`` (what tells
    compute of its servers' ports) from [compute]."""
    app = wsgi_app.create_app("network", conf, routes_table=ROUTES,
                              fault_style="network", policy_rules=policies.list_rules())
    extras = app.extensions["sovra"].extras
    extras["db"] = database if database is not None else Database.from_conf(
        conf, name="network")
    if coordinator is None:
        coordinator = coordination.get_coordinator(conf)
        coordinator.start()
        extras["own_coordinator"] = coordinator
    extras["coordinator"] = coordinator
    if transport is None:
        transport = extras["transport"] = rpc.build_rpc_transport(conf)
    extras["agents"] = network_rpc.NetworkAgentAPI(transport)
    if notifier is None:
        extras["notification_transport"] = rpc.build_notification_transport(conf)
        notifier = rpc.Notifier(extras["notification_transport"], "network.api")
    extras["notifier"] = notifier
    extras["compute_events"] = (compute_events if compute_events is not None
                                else compute_events_module.from_conf(conf))
    return app


def close(app) -> None:
    """Release the app's database connections, bus transports and coordinator."""
    extras = app.extensions["sovra"].extras
    extras["db"].dispose()
    for key in ("transport", "notification_transport"):
        if key in extras:
            extras[key].cleanup()
    if "own_coordinator" in extras:
        extras["own_coordinator"].stop()
    if extras.get("compute_events") is not None:
        extras["compute_events"].close()
