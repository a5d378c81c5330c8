"""Per-project quotas: how many images, how many bytes of data.

Limits come from identity's unified limits when ``[image] use_keystone_limits`` is
set: a project's own limit, else the registered default for the image service,
else the configured quota; otherwise from configuration alone
(``[image] image_count_quota``, ``image_storage_quota``). Resource names are
Glance's: ``image_count_total`` (images) and ``image_size_total`` (MiB).
A negative limit means no limit.
"""

from __future__ import annotations

import abc
import threading
import time

from keystoneauth1 import exceptions as ks_exc

from sovra_common import exception

COUNT = "image_count_total"
SIZE_MIB = "image_size_total"
MIB = 1024 * 1024


class Limits(abc.ABC):
    @abc.abstractmethod
    def get(self, project_id: str, resource: str) -> int | None:
        """The project's limit on ``resource``; None for no limit."""

    def image_count(self, project_id: str) -> int | None:
        return self.get(project_id, COUNT)

    def storage_bytes(self, project_id: str) -> int | None:
        mib = self.get(project_id, SIZE_MIB)
        return None if mib is None else mib * MIB


class ConfigLimits(Limits):
    """``[image] image_count_quota`` and ``image_storage_quota`` (bytes)."""

    def __init__(self, conf):
        self._conf = conf

    def get(self, project_id, resource):
        if resource == COUNT:
            value = self._conf.image.image_count_quota
        elif resource == SIZE_MIB:
            quota = self._conf.image.image_storage_quota
            value = quota if quota < 0 else quota // MIB
        else:
            return None
        return None if value < 0 else value

    def storage_bytes(self, project_id):  # exact bytes, not rounded to MiB
        quota = self._conf.image.image_storage_quota
        return None if quota < 0 else quota


class KeystoneLimits(Limits):
    """Identity's unified limits (``/v3/limits``, ``/v3/registered_limits``) for the
    image service ``service_id``, cached ``cache_seconds``; ``fallback`` where
    identity has neither."""

    def __init__(self, session, service_id: str, fallback: Limits, *,
                 region_id: str | None = None, cache_seconds: float = 30.0,
                 endpoint_override: str | None = None, clock=time.monotonic):
        self._session = session
        self._service_id = service_id
        self._region_id = region_id
        self._fallback = fallback
        self._ttl = cache_seconds
        self._clock = clock
        self._filter = {"service_type": "identity", "interface": "internal"}
        self._endpoint = endpoint_override
        self._cache: dict[tuple, tuple[float, int | None, bool]] = {}
        self._lock = threading.Lock()

    def _list(self, path: str, key: str, params: dict) -> list[dict]:
        params = {"service_id": self._service_id, **params}
        if self._region_id:
            params["region_id"] = self._region_id
        kwargs = ({"endpoint_override": self._endpoint} if self._endpoint
                  else {"endpoint_filter": self._filter})
        try:
            return self._session.get(path, params=params, **kwargs).json()[key]
        except (ks_exc.ClientException, ValueError, KeyError) as exc:
            raise exception.ServiceUnavailable(
                f"Cannot read the image quotas from identity: {exc}") from exc

    def _lookup(self, project_id, resource) -> tuple[int | None, bool]:
        own = self._list("/v3/limits", "limits",
                         {"project_id": project_id, "resource_name": resource})
        if own:
            return own[0]["resource_limit"], True
        default = self._list("/v3/registered_limits", "registered_limits",
                             {"resource_name": resource})
        if default:
            return default[0]["default_limit"], True
        return None, False

    def get(self, project_id, resource):
        key = (project_id, resource)
        now = self._clock()
        with self._lock:
            cached = self._cache.get(key)
        if cached is None or now - cached[0] > self._ttl:
            value, found = self._lookup(project_id, resource)
            cached = (now, value, found)
            with self._lock:
                self._cache[key] = cached
        _, value, found = cached
        if not found:
            return self._fallback.get(project_id, resource)
        return None if value is None or value < 0 else value

    def storage_bytes(self, project_id):
        mib = self.get(project_id, SIZE_MIB)
        if mib is None:
            return None
        return mib * MIB


def from_conf(conf, session_factory=None) -> Limits:
    config = ConfigLimits(conf)
    if not conf.image.use_keystone_limits:
        return config
    if session_factory is None:
        from sovra_common.auth import sessions
        session_factory = sessions.service_session
    return KeystoneLimits(session_factory(conf), conf.image.limits_service_id, config,
                          region_id=conf.image.limits_region_id)
