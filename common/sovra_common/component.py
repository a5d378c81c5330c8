"""Components: the APIs and workers a Sovra process hosts.

A service declares each of its processes as a ``Component`` (identity's API,
compute's API, conductor and agent...). The same component runs

- alone, one per process (full mode): ``sovra-identity-api`` is
  ``process.run_one(COMPONENT)``;
- with others in one process (lite mode): ``sovra-allinone`` finds every component
  through the ``sovra.components`` entry points and runs the enabled ones together.

One code path: only the process around a component differs.
"""

from __future__ import annotations

import abc
import logging
from typing import Protocol

from oslo_config import cfg

from sovra_common import conf as sovra_conf
from sovra_common.wsgi import deploy
from sovra_common.wsgi.server import ApiServer

LOG = logging.getLogger(__name__)


class Running(Protocol):
    """A started component."""

    def stop(self) -> None:
        """Stop promptly, finishing work in flight; idempotent."""


class ServedApp:
    """A started API: its server and app; stopping stops the server, then
    ``close(app)`` releases the app's resources (database engines, bus...)."""

    def __init__(self, server, app, close):
        self.server, self.app, self._close = server, app, close

    @property
    def url(self):
        return self.server.url

    def stop(self) -> None:
        self.server.stop()
        self._close(self.app)


class Component(abc.ABC):
    """One API or worker of a service."""

    #: entry-point name and process name: "<service>-<role>", e.g. "identity-api"
    name: str
    #: its config file is <config_project>.conf, e.g. "sovra-identity"
    config_project: str

    def register_opts(self, conf: cfg.ConfigOpts) -> None:  # noqa: B027 (optional hook)
        """Register the service's own option groups (the common ones already are)."""

    def new_conf(self) -> cfg.ConfigOpts:
        conf = sovra_conf.new_conf()
        self.register_opts(conf)
        return conf

    @abc.abstractmethod
    def start(self, conf: cfg.ConfigOpts, resources) -> Running:
        """Start serving and return at once. ``resources`` is the process's
        ``process.ProcessResources`` (shared token cache, coordinator...). Raise if
        the component cannot start (bad config, port taken): nothing half-started
        may be left behind."""


class ApiComponent(Component):
    """A REST API: a Flask app behind the common WSGI stack, served by ApiServer."""

    #: the port when [api] bind_port is not set (identity 5000, compute 8774...)
    default_port: int

    @abc.abstractmethod
    def create_app(self, conf: cfg.ConfigOpts):
        """The service's Flask app (sovra_common.wsgi.app.create_app)."""

    def token_validator(self, conf: cfg.ConfigOpts):
        """The auth middleware's validator; None: identity over HTTP. Identity
        overrides this to validate its own tokens in-process."""
        return None

    def start(self, conf: cfg.ConfigOpts, resources) -> Running:
        app = self.create_app(conf)
        deploy.install_middleware(app, conf, token_cache=resources.token_cache,
                                  validator=self.token_validator(conf))
        return ApiServer.for_api(app, conf, self.default_port, self.name).start()
