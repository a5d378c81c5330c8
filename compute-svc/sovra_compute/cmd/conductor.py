"""sovra-compute-conductor: build orchestration and scheduling, as a component of a
Sovra process (alone, or in sovra-allinone)."""

from __future__ import annotations

import logging
import sys
import threading

from sovra_common import component, context, coordination, process, rpc
from sovra_common.auth import sessions
from sovra_common.db import Database
from sovra_compute import block_api, network_api, placement_client
from sovra_compute import conf as compute_conf
from sovra_compute import rpc as compute_rpc
from sovra_compute.conductor.endpoint import ConductorEndpoint

LOG = logging.getLogger(__name__)
SWEEP_LOCK = "compute-build-sweep"


class _Running:
    """A started conductor: its RPC server, and a thread of periodic work (one
    conductor at a time, under a coordination lock): settling the builds and
    the in-place tasks (deletes, power actions) nobody finishes, confirming
    moves left waiting too long, settling moves whose host went down."""

    def __init__(self, server, transports, db, endpoint=None, coordinator=None,
                 interval=None):
        self._server, self._transports, self._db = server, transports, db
        self._endpoint, self._coordinator = endpoint, coordinator
        self._stopping = threading.Event()
        self._thread = None
        if interval:
            self._thread = threading.Thread(target=self._sweep, args=(interval,),
                                            name="build-sweep", daemon=True)
            self._thread.start()

    def _sweep(self, interval):
        while not self._stopping.wait(interval):
            try:
                with self._coordinator.lock(SWEEP_LOCK, timeout=0):
                    ctxt = context.get_internal_context()
                    settled = self._endpoint._sweep_stuck_builds(ctxt)
                    tasks = self._endpoint._settle_stuck_tasks(ctxt)
                    confirmed = self._endpoint._confirm_old_resizes(ctxt)
                    moves = self._endpoint._settle_moves_on_down_hosts(ctxt)
                if settled:
                    LOG.info("settled %d build(s) nobody finished", settled)
                if tasks:
                    LOG.info("acted on %d task(s) nobody finished", tasks)
                if moves:
                    LOG.info("settled %d move(s) whose host is down", moves)
                if confirmed:
                    LOG.info("confirmed %d move(s) left waiting", confirmed)
            except coordination.LockTimeout:
                continue  # another conductor sweeps now
            except Exception:  # the next round tries again
                LOG.exception("the conductor's periodic work failed")

    def stop(self):
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
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
        transport = rpc.build_rpc_transport(
            conf, allowed_remote_exmods=("sovra_compute.virt.driver",))
        notifications = rpc.build_notification_transport(conf)
        try:
            placement = placement_client.PlacementClient(
                sessions.service_session(conf),
                interface=conf.compute.placement_interface)
            endpoint = ConductorEndpoint(
                conf, db, placement, resources.coordinator,
                compute_rpc.ComputeAgentAPI(transport),
                notifier=rpc.Notifier(notifications,
                                      f"compute.{conf.compute.host}"),
                volumes=block_api.client_factory(conf),
                networks=network_api.service_client_factory(conf))
            server = rpc.RPCServer(transport, compute_rpc.CONDUCTOR_TOPIC,
                                   conf.compute.host, [endpoint]).start()
        except Exception:
            transport.cleanup()
            notifications.cleanup()
            db.dispose()
            raise
        # a quarter of the shortest of the periodic work's delays, 1 to 60 s (the
        # moves of down hosts are looked at every 60 s at least)
        delays = [d for d in (conf.compute.build_timeout, conf.compute.task_timeout,
                              conf.compute.resize_confirm_window) if d]
        return _Running(server, (transport, notifications), db, endpoint,
                        resources.coordinator,
                        interval=max(1.0, min(60.0, min(delays, default=240) / 4)))


COMPONENT = ConductorComponent()


def main(argv=None) -> int:
    return process.run_one(COMPONENT, argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
