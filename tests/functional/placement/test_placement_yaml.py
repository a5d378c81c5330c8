"""YAML-driven HTTP scenarios (the gabbi idea, with a small runner of our own).

Each file in ``yaml/`` is one scenario run against a fresh server, its requests in
order. A request::

    - name: what it shows
      GET: /resource_providers/{rp1}          # or POST/PUT/DELETE
      version: "1.14"                          # microversion (default: defaults.version)
      token: admin                             # X-Auth-Token (default admin)
      roles: reader                            # X-Roles (noauth)
      data: {...}                              # JSON body; {name} is substituted
      status: 200
      json: {path.to.value: expected}          # a dotted path; "$len" for a length
      absent: [path]                           # paths that must not be there
      headers: {Name: value}                   # "*" only checks presence
      no_headers: [Name]
      save: {name: path}                       # for {name} in later requests

Strings in ``url``/``data``/``json`` may hold ``{name}`` of saved values or of
``vars`` (fixed values declared at the top of the file).
"""

import json
import pathlib

import pytest
import yaml
from placement_client import Client

HERE = pathlib.Path(__file__).parent / "yaml"
FILES = sorted(HERE.glob("*.yaml"))
_MISSING = object()


def _lookup(doc, path):
    if path == "":
        return doc
    for part in path.split("."):
        if part == "$len":
            doc = len(doc)
            continue
        if isinstance(doc, list):
            try:
                doc = doc[int(part)]
            except (ValueError, IndexError):
                return _MISSING
        elif isinstance(doc, dict):
            if part not in doc:
                return _MISSING
            doc = doc[part]
        else:
            return _MISSING
    return doc


def _subst(value, names):
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in names:
            return names[value[1:-1]]  # keeps the saved value's type
        out = value
        for key, saved in names.items():
            out = out.replace("{" + key + "}", str(saved))
        return out
    if isinstance(value, list):
        return [_subst(v, names) for v in value]
    if isinstance(value, dict):
        return {_subst(k, names): _subst(v, names) for k, v in value.items()}
    return value


def _run(client, scenario):
    names = dict(scenario.get("vars", {}))
    defaults = scenario.get("defaults", {})
    for step in scenario["tests"]:
        method = next(m for m in ("GET", "POST", "PUT", "DELETE", "PATCH") if m in step)
        url = _subst(step[method], names)
        label = f"{step.get('name', '')} [{method} {url}]"
        headers = {}
        token = step.get("token", defaults.get("token", "admin"))
        headers["X-Auth-Token"] = token
        roles = step.get("roles", defaults.get("roles"))
        if roles:
            headers["X-Roles"] = roles
        version = str(step.get("version", defaults.get("version", "latest")))
        kwargs = {}
        if "data" in step:
            kwargs["data"] = json.dumps(_subst(step["data"], names))
            headers["Content-Type"] = "application/json"
        headers.update(step.get("request_headers", {}))
        resp = client(method, url, version=version, headers=headers, **kwargs)
        expected = step.get("status", 200)
        assert resp.status_code == expected, f"{label}: {resp.status_code} {resp.text}"
        body = None
        if resp.content and resp.headers.get("Content-Type", "").startswith(
                "application/json"):
            body = resp.json()
        for path, want in _subst(step.get("json", {}), names).items():
            got = _lookup(body, path)
            assert got == want, f"{label}: {path} is {got!r}, expected {want!r}\n{body}"
        for path in step.get("absent", []):
            assert _lookup(body, path) is _MISSING, f"{label}: {path} present\n{body}"
        for name, want in step.get("headers", {}).items():
            assert name in resp.headers, f"{label}: no header {name}"
            if want != "*":
                assert resp.headers[name] == _subst(want, names), \
                    f"{label}: header {name} is {resp.headers[name]!r}"
        for name in step.get("no_headers", []):
            assert name not in resp.headers, f"{label}: header {name} present"
        for name, path in step.get("save", {}).items():
            if path.startswith("header:"):
                names[name] = resp.headers[path[len("header:"):]]
            else:
                names[name] = _lookup(body, path)
                assert names[name] is not _MISSING, f"{label}: nothing at {path}"


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_scenario(placement_server, path):
    scenario = yaml.safe_load(path.read_text())
    client = Client(placement_server.url, version=None)
    try:
        _run(client, scenario)
    finally:
        client.close()
