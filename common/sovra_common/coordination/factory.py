"""Choose and build the coordination backend from ``[coordination] backend_url``."""

import urllib.parse

from oslo_config import cfg

from sovra_common.coordination import base, inprocess

INPROCESS_SCHEME = "inprocess"
ETCD_SCHEMES = {"etcd3+http": "http", "etcd3+https": "https"}
# Query parameters an etcd URL may carry (see conf/coordination.py).
_ETCD_QUERY = ("prefix", "ca_cert", "cert_cert", "cert_key")


def get_coordinator(conf: cfg.ConfigOpts) -> base.Coordinator:
    """A new, not yet started coordinator configured by ``conf``'s [coordination].

    In lite mode (``inprocess://``) every call makes an independent in-process
    backend: build one coordinator and hand it to every component of the process.
    """
    group = conf.coordination
    return coordinator_from_url(group.backend_url, heartbeat_ttl=group.heartbeat_ttl,
                                lock_ttl=group.lock_ttl, lock_timeout=group.lock_timeout)


def coordinator_from_url(url: str, **defaults) -> base.Coordinator:
    """A new, not yet started coordinator for ``url``; ``defaults`` are the
    ``Coordinator`` keyword arguments (heartbeat_ttl, lock_ttl, lock_timeout)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == INPROCESS_SCHEME:
        if parts.netloc or parts.path or parts.query:
            raise ValueError(f"{url!r}: an inprocess URL takes nothing after 'inprocess://'")
        return inprocess.InProcessCoordinator(**defaults)
    if parts.scheme in ETCD_SCHEMES:
        return _etcd_from_url(url, parts, defaults)
    known = ", ".join([INPROCESS_SCHEME, *ETCD_SCHEMES])
    raise ValueError(f"{url!r}: unknown coordination backend (schemes: {known})")


def _etcd_from_url(url, parts, defaults) -> base.Coordinator:
    from sovra_common.coordination import etcd  # imports etcd3gw: only when used

    if not parts.hostname:
        raise ValueError(f"{url!r}: no etcd host")
    if parts.path not in ("", "/"):
        raise ValueError(f"{url!r}: use ?prefix=... for a key prefix, not a path")
    try:
        port = parts.port or etcd.DEFAULT_PORT
    except ValueError as exc:
        raise ValueError(f"{url!r}: {exc}") from exc
    query = urllib.parse.parse_qs(parts.query, keep_blank_values=True, strict_parsing=False)
    unknown = sorted(set(query) - set(_ETCD_QUERY))
    if unknown:
        raise ValueError(f"{url!r}: unknown parameter(s) {', '.join(unknown)} "
                         f"(known: {', '.join(_ETCD_QUERY)})")
    options = {name: values[-1] for name, values in query.items()}
    return etcd.EtcdCoordinator(parts.hostname, port, protocol=ETCD_SCHEMES[parts.scheme],
                                **options, **defaults)
