"""One backend of a volume agent: its driver, its RPC server (``<host>@<backend>``
on ``rpc.AGENT_TOPIC``), and a thread that settles what an earlier run left in
flight (``reconcile``) and reports capacity every [block] report_interval.

The API side decides whether a backend is up from its last report (``reported_at``
older than [block] service_down_time: down), so the reports are the liveness: a
backend whose driver cannot say its capacity any more stops reporting and is seen
down.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import re
import threading
from importlib import metadata

from sovra_block import rpc as block_rpc
from sovra_block.agent.backup import VolumeBackups
from sovra_block.agent.endpoint import VolumeAgentEndpoint
from sovra_block.conf import backend as backend_conf
from sovra_block.drivers import base
from sovra_common import context, exception, rpc

LOG = logging.getLogger(__name__)
DRIVERS_GROUP = "sovra.block.volume_drivers"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class BackendConfigError(exception.Invalid):
    """A backend's configuration cannot work; the message says what to change."""


def register_backend(conf, name: str) -> None:
    """Register the options of backend ``name`` ([<name>]) on ``conf``, refusing a
    name that is not one or that another option group already has."""
    if not _NAME.match(name):
        raise BackendConfigError(
            f"[block] enabled_backends: {name!r} is not a backend name (letters, "
            "digits, '_', '.', '-'; at most 64)")
    if name in conf and "volume_driver" not in conf[name]:
        raise BackendConfigError(
            f"[block] enabled_backends: {name!r} is the name of another option "
            "group; name the backend otherwise")
    backend_conf.register_opts(conf, name)


def load_driver(conf, name: str) -> base.VolumeDriver:
    """The driver ``[<name>] volume_driver`` names (an entry point of
    sovra.block.volume_drivers), not yet set up."""
    register_backend(conf, name)
    wanted = conf[name].volume_driver
    found = [ep for ep in metadata.entry_points(group=DRIVERS_GROUP) if ep.name == wanted]
    if not found:
        known = sorted({ep.name for ep in metadata.entry_points(group=DRIVERS_GROUP)})
        raise BackendConfigError(f"[{name}] volume_driver = {wanted}: no such driver "
                                 f"(installed: {', '.join(known) or 'none'})")
    return found[0].load()(conf, name)


class BackendService:
    """A started backend; ``stop()`` ends its thread and its RPC server."""

    def __init__(self, conf, name: str, driver: base.VolumeDriver, transport, reports,
                 images=None, backup_store=None):
        self.name = name
        self.host = conf.block.host
        self.backend = f"{self.host}@{name}"  # the RPC server, and the API's name
        self.driver = driver
        self._conf = conf
        self._reports = reports
        self._transport = transport
        self._images = images
        self._backup_store = backup_store  # sovra_block.backup.BackupStore or None
        self._stopping = threading.Event()
        self.reconciled = threading.Event()
        self.reported = threading.Event()  # at least one capacity report went out
        self.started_at = datetime.datetime.now(datetime.UTC).isoformat()
        self.endpoint = None
        self._server = None
        self._thread = None

    def start(self) -> BackendService:
        """Set the driver up and serve; raises (with nothing left running) if the
        backend cannot work."""
        try:
            self.driver.do_setup()
        except base.BackendError as exc:
            raise base.BackendError(
                f"backend {self.backend} cannot start: {exc.reason}") from exc
        self.endpoint = VolumeAgentEndpoint(
            self.backend, self.driver, self._reports, images=self._images,
            conversion_dir=self._conf.block.image_conversion_dir,
            default_format=self._conf[self.name].default_volume_format,
            backups=None if self._backup_store is None else VolumeBackups.from_conf(
                self._conf, self._backup_store, self.driver))
        self._server = rpc.RPCServer(self._transport, block_rpc.AGENT_TOPIC,
                                     self.backend, [self.endpoint]).start()
        self._thread = threading.Thread(target=self._run, name=f"backend-{self.name}",
                                        daemon=True)
        self._thread.start()
        LOG.info("backend %s serving (driver %s)", self.backend,
                 type(self.driver).__name__)
        return self

    def _run(self):
        interval = self._conf.block.report_interval
        while not self._stopping.is_set():
            if not self.reconciled.is_set():
                self.reconcile()
            self.report_capacity()
            self._stopping.wait(interval)

    def report_capacity(self) -> bool:
        """Send one capacity report; False (logged) if it could not be made or sent."""
        try:
            capacity = dataclasses.asdict(self.driver.get_capacity())
            capabilities = self.driver.get_capabilities()
            self._reports.report_capacity(
                context.get_internal_context(), self.backend, self.host,
                self._conf.block.storage_availability_zone, capacity, capabilities,
                started_at=self.started_at)
        except Exception:
            LOG.exception("%s: capacity report failed", self.backend)
            return False
        self.reported.set()
        return True

    def reconcile(self) -> bool:
        """Tell the API side which volumes the backend holds and redo the deletions
        it answers with (deletions an earlier run did not finish or report).
        False (logged) if the API side could not be asked: tried again next round."""
        ctxt = context.get_internal_context()
        try:
            ids = self.driver.list_volume_ids()
            todo = self._reports.reconcile(
                ctxt, self.backend, ids,
                timeout=max(5, self._conf.block.report_interval))
        except Exception as exc:
            LOG.warning("%s: cannot reconcile with the API side yet (%s)", self.backend,
                        exc)
            return False
        todo = todo or {}
        for volume in todo.get("delete_volumes", []):
            LOG.info("%s: redoing the deletion of volume %s", self.backend, volume["id"])
            self.endpoint.delete_volume(ctxt, volume)
        for snapshot, volume in todo.get("delete_snapshots", []):
            LOG.info("%s: redoing the deletion of snapshot %s", self.backend,
                     snapshot["id"])
            self.endpoint.delete_snapshot(ctxt, snapshot, volume)
        self.reconciled.set()
        return True

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
        if self._server is not None:
            self._server.stop()

