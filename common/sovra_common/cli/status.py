"""``sovra status``: every service in the catalog, whether it answers, and its version
(from its version discovery document), then every agent of the services that have
them (compute agents...), up or down. Exits 1 if any is down.

A service with agents says how to list them under the ``sovra.status.agents`` entry
point group: ``<service type> = module:function``, ``function(cloud) -> rows`` with
``type`` (e.g. "compute agent"), ``name`` (its host), ``status`` ("up", "down ...")
and optionally ``url`` and ``version``. Listing agents is an admin's right: for
other users those rows say "unknown" and do not count as down.
"""

from __future__ import annotations

import concurrent.futures
from importlib import metadata

from sovra_common.cli import command, output

TIMEOUT = 5.0


def _endpoint(service: dict, interface: str, region: str | None) -> str | None:
    for endpoint in service.get("endpoints", []):
        if endpoint.get("interface") != interface:
            continue
        if region and region not in (endpoint.get("region_id"), endpoint.get("region")):
            continue
        return endpoint.get("url")
    return None


def version_of(document: dict) -> str:
    """'v3.14' / 'v2.1 (2.1-2.96)' / 'v1.0 (1.0-1.39)' from a discovery document:
    a single ``version`` or a ``versions`` list (bare or under ``values``); the
    CURRENT (else the newest) one."""
    if isinstance(document.get("version"), dict):
        versions = [document["version"]]
    else:
        versions = document.get("versions") or []
        if isinstance(versions, dict):
            versions = versions.get("values") or []
    if not versions:
        return ""
    current = [v for v in versions if str(v.get("status", "")).upper() in
               ("CURRENT", "STABLE")] or versions
    chosen = sorted(current, key=lambda v: str(v.get("id", "")))[-1]
    text = str(chosen.get("id", ""))
    low = chosen.get("min_version") or ""
    high = chosen.get("max_version") or chosen.get("version") or ""
    if high:
        text += f" ({low}-{high})" if low else f" ({high})"
    return text


def probe(session, url: str) -> tuple[bool, str, str]:
    """(up, version, detail) of the API at ``url``: its version document, no token."""
    try:
        resp = session.get(url, authenticated=False, raise_exc=False, timeout=TIMEOUT,
                           headers={"Accept": "application/json"})
    except Exception as exc:  # connection refused, timeout, TLS...
        return False, "", type(exc).__name__
    if resp.status_code not in (200, 300):
        return False, "", f"HTTP {resp.status_code}"
    try:
        return True, version_of(resp.json()), ""
    except ValueError:
        return True, "", "no version document"


AGENT_ENTRY_POINTS = "sovra.status.agents"


def agent_rows(cloud, service_types) -> list[dict]:
    """The rows of the agents of every service in ``service_types`` that lists them."""
    from keystoneauth1 import exceptions as ks_exc  # not at import: `sovra --help`

    rows = []
    for entry in metadata.entry_points(group=AGENT_ENTRY_POINTS):
        if entry.name not in service_types:
            continue
        try:
            found = entry.load()(cloud)
        except ks_exc.Forbidden:
            found = [{"type": f"{entry.name} agents", "name": "",
                      "status": "unknown (listing agents needs the admin role)"}]
        except Exception as exc:  # the API answered discovery but not this: say so
            found = [{"type": f"{entry.name} agents", "name": "",
                      "status": f"down ({type(exc).__name__}: {exc})"}]
        rows.extend({"url": "", "version": "", **row} for row in found)
    return sorted(rows, key=lambda r: (r["type"], r["name"]))


class Status(command.Lister):
    """Show each service in the catalog: reachable or not, and its API version
    (exit status 1 if any is down)."""

    def take_action(self, parsed_args):
        cloud = self.cloud
        catalog = cloud.access().service_catalog.catalog or []
        session = cloud.session
        targets = [(s.get("type"), s.get("name"),
                    _endpoint(s, cloud.interface, cloud.region_name)) for s in catalog]
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(
                lambda t: probe(session, t[2]) if t[2] else (False, "", "no endpoint"),
                targets))
        rows = []
        for (stype, name, url), (up, version, detail) in zip(targets, results, strict=True):
            rows.append({"type": stype, "name": name, "url": url or "",
                         "status": "up" if up else f"down ({detail})" if detail else "down",
                         "version": version})
        rows.sort(key=lambda r: r["type"] or "")
        rows += agent_rows(cloud, {r["type"] for r in rows if r["status"] == "up"})
        self.down = [r["type"] for r in rows if r["status"].startswith("down")]
        return output.listing(rows, [("Service", "type"), ("Name", "name"),
                                     ("Endpoint", "url"), ("Status", "status"),
                                     ("Version", "version")])

    def run(self, parsed_args):
        self.down = []
        result = super().run(parsed_args)
        return result or (1 if self.down else 0)
