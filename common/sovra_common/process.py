"""A Sovra process: its components, what they share, and an orderly stop.

``run(components, base_conf)`` starts every component, waits for SIGTERM or SIGINT,
then stops them in reverse order. A component that fails to start stops the ones
already started, and the process exits non-zero: never half a cloud.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading

from oslo_config import cfg

from sovra_common import auth, coordination, exception, rpc
from sovra_common import conf as sovra_conf
from sovra_common import log as sovra_log
from sovra_common.auth.revocation import RevocationEndpoint

LOG = logging.getLogger(__name__)


class ProcessResources:
    """What the components of one process share.

    One token cache per process, kept honest by one listener for identity's
    revocation notifications (each process gets its own listener pool, so each
    receives every notification). One coordinator per process, started when a
    component first asks for it: in lite mode (``inprocess://``) the components of a
    process see each other's heartbeats only through the same coordinator.
    """

    def __init__(self, conf):
        self.conf = conf
        self.token_cache = auth.build_token_cache(conf)
        self._transport = None
        self._listener = None
        self._coordinator = None
        self._coordinator_lock = threading.Lock()

    @property
    def coordinator(self):
        """The process's started coordinator ([coordination] of the base conf)."""
        with self._coordinator_lock:
            if self._coordinator is None:
                coordinator = coordination.get_coordinator(self.conf)
                coordinator.start()
                self._coordinator = coordinator
            return self._coordinator

    def start(self) -> ProcessResources:
        if self.conf.auth.strategy == "keystone":
            self._transport = rpc.build_notification_transport(self.conf)
            pool = f"auth-{socket.gethostname()}-{os.getpid()}"
            self._listener = rpc.NotificationListener(
                self._transport, [RevocationEndpoint(self.token_cache)], pool=pool).start()
        return self

    def stop(self) -> None:
        if self._coordinator is not None:
            self._coordinator.stop()
            self._coordinator = None
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
        if self._transport is not None:
            self._transport.cleanup()
            self._transport = None


def run(started_components, resources: ProcessResources,
        stop_event: threading.Event | None = None) -> None:
    """Start ``started_components`` [(component, conf)], serve until signalled (or
    ``stop_event`` is set), stop everything."""
    stop_event = stop_event or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop_event.set())
    running = []
    try:
        for component, conf in started_components:
            running.append((component, component.start(conf, resources)))
            LOG.info("started %s", component.name)
        LOG.info("ready: %s", ", ".join(c.name for c, _ in running))
        stop_event.wait()
    finally:
        for component, handle in reversed(running):
            try:
                handle.stop()
                LOG.info("stopped %s", component.name)
            except Exception:  # keep stopping the others
                LOG.exception("stopping %s failed", component.name)
        resources.stop()


def run_one(component, argv=None) -> int:
    """Console-script main for one component: ``sovra-<service>-<role>
    [--config-file F] [--config-dir D] [--debug]``."""
    conf = component.new_conf()
    # /etc/sovra/<config_project>.conf (and oslo.config's other usual places),
    # unless --config-file / --config-dir say otherwise.
    default_files = cfg.find_config_files(project="sovra", prog=component.config_project)
    try:
        sovra_conf.load(conf, "sovra", args=sys.argv[1:] if argv is None else argv,
                        config_files=default_files)
    except Exception as exc:  # oslo.config's errors are the user's to read, one line
        print(f"{component.name}: configuration error: {exc}", file=sys.stderr)
        return 2
    sovra_log.setup(conf, component.name)
    explained = None
    try:
        resources = ProcessResources(conf).start()
        run([(component, conf)], resources)
    except exception.SovraError as exc:  # a failure we explain: one line
        if conf.debug:
            LOG.exception("%s cannot run: %s", component.name, exc)
            return 1
        explained = exc
    except Exception:
        LOG.exception("%s failed", component.name)
        return 1
    if explained is not None:  # logged outside the handler: no traceback appended
        LOG.error("%s cannot run: %s", component.name, explained)
        return 1
    return 0
