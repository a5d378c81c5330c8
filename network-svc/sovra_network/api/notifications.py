"""What a change tells the world: a notification (``<resource>.<action>.end``, as
Neutron names them) and, for what the data plane holds, a fanout cast to agents.

Handlers call :func:`changed` after the service layer committed. Neither may fail
the request: the change is made; a bus that is down is logged.
"""

from __future__ import annotations

import logging

LOG = logging.getLogger(__name__)

# Resources whose changes the agents must hear about.
AGENT_RESOURCES = {"network", "subnet", "port", "security_group",
                   "security_group_rule", "router", "floatingip", "port_forwarding"}


def changed(req, resource: str, action: str, payload: dict, *,
            network_id: str | None = None, host: str | None = None) -> None:
    """Notify ``<resource>.<action>.end`` with ``{resource: payload}`` and, for the
    agents' resources, cast ``state_changed(host, network_id)``."""
    extras = req.state.extras
    ctxt = req.context
    try:
        extras["notifier"].info(ctxt, f"{resource}.{action}.end", {resource: payload})
    except Exception:
        LOG.warning("notification %s.%s.end not sent", resource, action, exc_info=True)
    if resource in AGENT_RESOURCES and extras.get("agents") is not None:
        try:
            extras["agents"].state_changed(ctxt, host=host or None,
                                           network_id=network_id)
        except Exception:
            LOG.warning("agents not told of %s %s", resource, action, exc_info=True)
