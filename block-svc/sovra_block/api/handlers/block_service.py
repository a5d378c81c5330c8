"""os-services handlers: ``GET /v3/os-services`` (``?host=``, ``?binary=``) and
``PUT /v3/os-services/{enable,disable,disable-log-reason}``. Each backend a volume
agent reports is one ``cinder-volume`` service named ``<host>@<backend>``."""

from __future__ import annotations

from sovra_block.api.policies import block_service as policies
from sovra_block.api.schemas import block_service as schemas
from sovra_block.service import backend as backend_service
from sovra_block.service import block_service as service
from sovra_common import exception
from sovra_common.wsgi.routes import json_response

#: Actions of the API that need replication, clusters or live log levels.
_NOT_SERVED = ("freeze", "thaw", "failover_host", "failover", "get-log", "set-log")


def _db(req):
    return req.state.extras["db"]


def timestamp(value) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f") if value is not None else None


def view(row, conf) -> dict:
    return {
        "binary": service.VOLUME_BINARY, "host": row.name,
        "zone": row.availability_zone,
        "status": "disabled" if row.disabled else "enabled",
        "state": "up" if backend_service.is_up(row, conf) else "down",
        "updated_at": timestamp(row.reported_at),
        "disabled_reason": row.disabled_reason,
        "frozen": False, "replication_status": "disabled", "active_backend_id": None,
    }


def list_services(req):
    req.authorize(policies.INDEX)
    query = req.query(schemas.LIST_QUERY)
    with _db(req).reader() as session:
        rows = service.list_services(session, host=query.get("host"),
                                     binary=query.get("binary"))
        items = [view(row, req.state.conf) for row in rows]
    return json_response({"services": items})


def update_service(req, action):
    """enable / disable / disable-log-reason ``{"host": ..., "binary": ...}``."""
    req.authorize(policies.UPDATE)
    if action in _NOT_SERVED:
        raise exception.Invalid(f"os-services {action} is not supported: Sovra's "
                                "backends have no replication or clusters.")
    if action not in ("enable", "disable", "disable-log-reason"):
        raise exception.Invalid(f"Unknown action {action!r}.")
    schema = schemas.DISABLE_LOG_REASON if action == "disable-log-reason" \
        else schemas.ENABLE
    body = req.json_body(schema)
    binary = body.get("binary") or body["service"]
    disabled = action != "enable"
    reason = body.get("disabled_reason")
    with _db(req).writer() as session:
        service.set_disabled(session, host=body["host"], binary=binary,
                             disabled=disabled, reason=reason)
    result = {"host": body["host"], "service": binary, "binary": binary,
              "disabled": disabled,
              "status": "disabled" if disabled else "enabled"}
    if action != "disable":
        result["disabled_reason"] = reason
    return json_response(result)
