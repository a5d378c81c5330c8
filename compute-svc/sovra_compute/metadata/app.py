"""The metadata API: what a guest reads at http://169.254.169.254, relayed by the
network agent's metadata proxy (``auth.py`` says how a request names its server).

Two trees, as the OpenStack metadata service serves them::

    /                                  EC2-compatible versions, then "latest"
    /<ec2 version>/                    meta-data/, user-data (when there is some)
    /<ec2 version>/meta-data/...       instance-id, hostname, local-hostname,
                                       local-ipv4 (the first fixed IPv4 address;
                                       with no VIF known, the guest's address as
                                       the proxy saw it), instance-type,
                                       placement/, public-keys/0/openssh-key...
    /<ec2 version>/user-data           the user data
    /openstack                         dated versions, then "latest"
    /openstack/<version>/              the files of that version
    /openstack/<version>/<file>        meta_data.json, user_data, network_data.json,
                                       vendor_data.json, vendor_data2.json
    /openstack/<version>/password      (2013-04-04 on) the encrypted password the
                                       guest posts once (POST; 409 when one is
                                       already set, 400 over 256 bytes), "" before

The files are the config drive's (``content.py``). A folder is listed as text, one
entry a line, sub-folders with a trailing slash; a path that names a folder
answers with or without the slash. GET and HEAD only, but for the password's
POST. Errors are short text bodies (guests' tools print them). Every request is
read from the compute database afresh: nothing is cached.
"""

from __future__ import annotations

import logging

from werkzeug.wrappers import Request, Response

from sovra_common import exception
from sovra_common.db import Database
from sovra_common.wsgi import faults, request_id
from sovra_compute.metadata import auth, content
from sovra_compute.service import availability_zone, server_password
from sovra_compute.service import instance as instance_service

LOG = logging.getLogger(__name__)

_TEXT = "text/plain; charset=utf-8"
_JSON = "application/json"
_BYTES = "application/octet-stream"
_METHODS = ("GET", "HEAD")
#: the first version with the password file (not on the config drive)
_PASSWORD_SINCE = "2013-04-04"
_PASSWORD = "password"


class MetadataApp:
    """The WSGI app (inside the request id middleware: see ``create_app``)."""

    def __init__(self, conf, database: Database):
        self.db = database
        self._secret = conf.metadata.proxy_shared_secret

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            response = self._respond(request)
        except Exception as exc:
            response = _fault(request, exc)
        return response(environ, start_response)

    def _respond(self, request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p]
        allowed = _METHODS + (("POST",) if _is_password(parts) else ())
        if request.method not in allowed:
            return _error(405, "The method is not allowed for this resource.",
                          headers={"Allow": ", ".join(allowed)})
        proxied = auth.authenticate(self._secret, request.headers)
        instance = instance_service.get(self.db, proxied.instance_id)
        if instance["project_id"] != proxied.project_id:
            # not the proxy's project: as if it did not exist (no probing by uuid)
            raise instance_service.InstanceNotFound(uuid=proxied.instance_id)
        if _is_password(parts):
            return self._password(request, instance)
        if not instance["availability_zone"] and instance["host"]:
            # scheduled before the conductor recorded its host's zone: that zone
            instance = {**instance, "availability_zone": availability_zone.zone_of(
                self.db, instance["host"])}
        return _resolve(parts, instance, proxied)

    def _password(self, request: Request, instance: dict) -> Response:
        """The password file: read it, or post it (once)."""
        if request.method != "POST":
            return Response(server_password.get(self.db, instance["uuid"]),
                            status=200, content_type=_TEXT)
        if (request.content_length or 0) > server_password.MAX_SIZE:
            raise server_password.PasswordTooLarge(size=server_password.MAX_SIZE)
        body = request.stream.read(server_password.MAX_SIZE + 1)
        if len(body) > server_password.MAX_SIZE:
            raise server_password.PasswordTooLarge(size=server_password.MAX_SIZE)
        try:
            password = body.decode()
        except UnicodeDecodeError:
            raise exception.Invalid("The password is not UTF-8 text.") from None
        server_password.set_once(self.db, instance["uuid"], password)
        return Response("", status=200, content_type=_TEXT)

    def close(self) -> None:
        self.db.dispose()


def _resolve(parts: list[str], instance: dict, proxied: auth.ProxiedRequest) -> Response:
    if not parts:
        return _listing([*content.EC2_VERSIONS, content.LATEST])
    if parts[0] == "openstack":
        return _openstack(parts[1:], instance)
    if parts[0] in content.EC2_VERSIONS or parts[0] == content.LATEST:
        return _ec2(parts[1:], instance, proxied)
    raise _not_found()


def _openstack(parts, instance) -> Response:
    if not parts:
        return _listing([v for v, _ in content.OPENSTACK_VERSIONS] + [content.LATEST])
    names = content.openstack_file_names(parts[0])
    if names is None or len(parts) > 2:
        raise _not_found()
    files = content.openstack_files(instance, key_data=instance["key_data"],
                                    user_data=instance["user_data"])
    present = [name for name in names if name in files]
    if _has_password(parts[0]):
        present.append(_PASSWORD)
    if len(parts) == 1:
        return _listing(present)
    if parts[1] not in present:
        raise _not_found()
    kind = _JSON if parts[1].endswith(".json") else _BYTES
    return Response(files[parts[1]], status=200, content_type=kind)


def _has_password(version: str) -> bool:
    return version == content.LATEST or (
        content.openstack_file_names(version) is not None
        and version >= _PASSWORD_SINCE)


def _is_password(parts: list[str]) -> bool:
    """Whether the path is ``/openstack/<version>/password`` of a version with it."""
    return (len(parts) == 3 and parts[0] == "openstack" and parts[2] == _PASSWORD
            and _has_password(parts[1]))


def _ec2(parts, instance, proxied) -> Response:
    user_data = content.decode_user_data(instance["user_data"])
    if not parts:
        return _listing(["meta-data/", *(["user-data"] if user_data is not None else [])])
    if parts[0] == "user-data" and len(parts) == 1 and user_data is not None:
        return Response(user_data, status=200, content_type=_BYTES)
    if parts[0] != "meta-data":
        raise _not_found()
    node = content.ec2_meta_data(instance, instance["key_data"],
                                 local_ipv4=_ipv4(proxied.remote_address))
    for part in parts[1:]:
        if not isinstance(node, dict) or part not in node or part == "_name":
            raise _not_found()
        node = node[part]
    if isinstance(node, dict):
        return _listing(_entry(key, value) for key, value in node.items()
                        if key != "_name")
    return Response(node, status=200, content_type=_TEXT)


def _entry(key: str, value) -> str:
    """How a folder lists one of its entries."""
    if not isinstance(value, dict):
        return key
    return value.get("_name") or key + "/"


def _ipv4(address: str | None) -> str | None:
    return address if address and ":" not in address else None


def _listing(names) -> Response:
    return Response("\n".join(names), status=200, content_type=_TEXT)


def _not_found() -> Exception:
    return exception.NotFound("The resource could not be found.")


def _error(status: int, message: str, headers=None) -> Response:
    body = f"{status} {faults.reason(status)}\n\n{message}\n"
    return Response(body, status=status, content_type=_TEXT, headers=headers)


def _fault(request: Request, exc: Exception) -> Response:
    status = faults.status_for(exc)
    rid = request.environ.get(request_id.ENVIRON_KEY)
    if status >= 500:
        LOG.error("metadata %s %s failed [%s]: %s", request.method, request.path, rid,
                  exc, exc_info=exc)
    elif isinstance(exc, auth.InvalidSignature):
        LOG.warning("metadata %s %s from %s: bad signature for instance %s [%s]",
                    request.method, request.path, request.headers.get(
                        auth.FORWARDED_FOR), request.headers.get(auth.INSTANCE_ID), rid)
    else:
        LOG.info("metadata %s %s -> %d [%s]: %s", request.method, request.path, status,
                 rid, exc)
    return _error(status, faults.message_for(exc, status, rid))


def create_app(conf, *, database: Database | None = None):
    """The metadata API's WSGI app; ``database`` defaults to compute's [database].
    Release it with ``close(app)``."""
    inner = MetadataApp(conf, database if database is not None else
                        Database.from_conf(conf, name="compute"))
    if not conf.metadata.proxy_shared_secret:
        LOG.warning("[metadata] proxy_shared_secret is not set: the metadata API "
                    "refuses every request (403) until it is")
    app = request_id.RequestIdMiddleware(inner)
    app.metadata_app = inner
    return app


def close(app) -> None:
    app.metadata_app.close()
