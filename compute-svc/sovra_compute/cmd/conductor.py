"""sovra-compute-conductor: build orchestration and scheduling, as a component of a
Sovra process (alone, or in sovra-allinone)."""

from __future__ import annotations

import sys

from sovra_common import component, process, rpc
from sovra_common.auth import sessions
from sovra_common.db import Database
from sovra_compute import conf as compute_conf
from sovra_compute import placement_client
from sovra_compute import rpc as compute_rpc
from sovra_compute.conductor.endpoint import ConductorEndpoint


class _Running:
    def __init__(self, server, transports, db):
        self._server, self._transports, self._db = server, transports, db

    def stop(self):
        self._server.stop()
        for transport in self._transports:
            transport.cleanup()
        self._db.dispose()


class ConductorComponent(component.Component):
    name = "compute-conductor"
    config_project = "sovra-compute"

    def register_opts(self, conf):
        compute_conf.register_opts(conf)

    def start(self, conf, resources):
        db = Database.from_conf(conf, name="compute")
        transport = rpc.build_rpc_transport(conf)
        notifications = rpc.build_notification_transport(conf)
        try:
            placement = placement_client.PlacementClient(
                sessions.service_session(conf),
                interface=conf.compute.placement_interface)
            endpoint = ConductorEndpoint(
                conf, db, placement, resources.coordinator,
                compute_rpc.ComputeAgentAPI(transport),
                notifier=rpc.Notifier(notifications,
                                      f"compute.{conf.compute.host}"))
            server = rpc.RPCServer(transport, compute_rpc.CONDUCTOR_TOPIC,
                                   conf.compute.host, [endpoint]).start()
        except Exception:
            transport.cleanup()
            notifications.cleanup()
            db.dispose()
            raise
        return _Running(server, (transport, notifications), db)


COMPONENT = ConductorComponent()


def main(argv=None) -> int:
    return process.run_one(COMPONENT, argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
