"""The compute service's app: the common app factory, plus its database, the bus
(to the conductor and agents), the coordinator (who is up) and the image and block
storage clients."""

from __future__ import annotations

from sovra_common import coordination, rpc
from sovra_common.auth import sessions
from sovra_common.db import Database
from sovra_common.wsgi import app as wsgi_app
from sovra_compute import block_api, image_api, network_api, placement_client
from sovra_compute import rpc as compute_rpc
from sovra_compute.api import policies
from sovra_compute.api.microversion import MICROVERSIONS
from sovra_compute.api.routes import ROUTES


def _placement_factory(conf):
    state = {}

    def get():
        if "client" not in state:
            state["client"] = placement_client.PlacementClient(
                sessions.service_session(conf),
                interface=conf.compute.placement_interface)
        return state["client"]
    return get


def create_app(conf, *, database=None, coordinator=None, images=None, transport=None,
               placement=None, volumes=None, networks=None):
    """The Flask app. Defaults: ``database`` from [database]; ``coordinator`` a new
    one from [coordination] (started here); ``images``: context -> an image client
    (sovra_image.client.ImageClient for the user); ``transport`` from [messaging];
    ``placement``: () -> a placement client (the service's own credentials);
    ``volumes``: context -> a block storage client (sovra_block.client.BlockClient
    for the user); ``networks``: context -> a network client
    (sovra_network.client.NetworkClient for the user)."""
    app = wsgi_app.create_app("compute", conf, routes_table=ROUTES,
                              fault_style="compute", microversions=MICROVERSIONS,
                              policy_rules=policies.list_rules())
    extras = app.extensions["sovra"].extras
    extras["db"] = database if database is not None else Database.from_conf(
        conf, name="compute")
    if coordinator is None:
        coordinator = coordination.get_coordinator(conf)
        coordinator.start()
        extras["own_coordinator"] = coordinator
    extras["coordinator"] = coordinator
    extras["images"] = images or image_api.client_factory(conf)
    extras["volumes"] = volumes or block_api.client_factory(conf)
    extras["networks"] = networks or network_api.client_factory(conf)
    extras["placement"] = placement or _placement_factory(conf)
    if transport is None:
        transport = extras["transport"] = rpc.build_rpc_transport(
            conf, allowed_remote_exmods=("sovra_compute.virt.driver",
                                         "sovra_compute.network_api"))
    extras["conductor"] = compute_rpc.ConductorAPI(transport)
    extras["agents"] = compute_rpc.ComputeAgentAPI(transport)
    return app


def close(app) -> None:
    """Release the app's database connections, bus transport and coordinator."""
    extras = app.extensions["sovra"].extras
    extras["db"].dispose()
    if "transport" in extras:
        extras["transport"].cleanup()
    if "own_coordinator" in extras:
        extras["own_coordinator"].stop()
