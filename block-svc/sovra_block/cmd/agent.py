"""sovra-block-volume: the volume agent of one storage host, serving each of its
[block] enabled_backends as ``<host>@<backend>``; as a component of a Sovra process
(alone, or in sovra-allinone)."""

from __future__ import annotations

import logging
import sys

from sovra_block import backup as backup_stores
from sovra_block import conf as block_conf
from sovra_block import rpc as block_rpc
from sovra_block.agent import backend as agent_backend
from sovra_block.agent import backup as agent_backup
from sovra_block.agent import images as agent_images
from sovra_common import component, process, rpc

LOG = logging.getLogger(__name__)


class RunningVolumeAgent:
    """A started volume agent: its backends and their shared transport."""

    def __init__(self, backends, transport):
        self.backends = backends
        self._transport = transport

    def stop(self):
        for backend in reversed(self.backends):
            try:
                backend.stop()
            except Exception:  # keep stopping the others
                LOG.exception("stopping backend %s failed", backend.backend)
        self.backends = []
        if self._transport is not None:
            self._transport.cleanup()
            self._transport = None


class VolumeAgentComponent(component.Component):
    name = "block-volume"
    config_project = "sovra-block"

    def register_opts(self, conf):
        block_conf.register_opts(conf)

    def start(self, conf, resources, drivers=None, images=None, reports=None,
              backup_store=None):
        """``drivers``: {backend name: driver instance} to run instead of the
        configured ones; ``images``: an image client factory; ``reports``: a
        VolumeReportAPI stand-in (tests and simulations); ``backup_store``: a
        BackupStore instead of [backup] backup_store's."""
        names = list(conf.block.enabled_backends)
        if not names:
            raise agent_backend.BackendConfigError(
                "no backend enabled: set [block] enabled_backends to the backends "
                "this volume agent serves, each with its own [<backend>] section "
                "(volume_driver = file ...)")
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise agent_backend.BackendConfigError(
                f"[block] enabled_backends names {', '.join(duplicates)} twice")
        drivers = dict(drivers or {})
        for name in names:  # every backend's options and driver, before serving any
            if name in drivers:
                agent_backend.register_backend(conf, name)
            else:
                drivers[name] = agent_backend.load_driver(conf, name)
        if backup_store is None:  # its I/O waits for the first backup
            try:
                backup_store = backup_stores.load_store(conf)
            except backup_stores.BackupStoreError as exc:
                raise agent_backend.BackendConfigError(str(exc)) from exc
        stale = agent_images.clean_conversion_dir(conf.block.image_conversion_dir)
        stale += agent_backup.clean_staging(conf.block.image_conversion_dir)
        if stale:
            LOG.info("removed %d file(s) an earlier run left in %s", len(stale),
                     conf.block.image_conversion_dir)
        transport = rpc.build_rpc_transport(conf)
        started = []
        try:
            reports = reports or block_rpc.VolumeReportAPI(transport)
            images = images or agent_images.client_factory(conf)
            for name in names:
                started.append(agent_backend.BackendService(
                    conf, name, drivers[name], transport, reports, images,
                    backup_store).start())
        except Exception:
            RunningVolumeAgent(started, transport).stop()
            raise
        return RunningVolumeAgent(started, transport)


COMPONENT = VolumeAgentComponent()


def main(argv=None) -> int:
    return process.run_one(COMPONENT, argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
