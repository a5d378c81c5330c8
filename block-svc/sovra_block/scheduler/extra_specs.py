"""Matching a volume type's extra specs against a backend's capabilities.

Which keys are requirements: ``volume_backend_name``, ``capabilities:<key>``, and
the unscoped keys a backend reports (``multiattach``, ``thin_provisioning_support``,
``storage_protocol``...). Scoped keys of other consumers (``RESKEY:...``,
``volume_format`` read by the agent, ``qos:...``) are not scheduler requirements,
except ``RESKEY:availability_zones`` (a comma-separated list the volume's zone must
be in).

Values use the upstream operators: ``<is> True``, ``<in> sub``, ``<or> a <or> b``,
``s== x`` / ``s!= x`` (string compare), ``== N``, ``>= N``, ``<= N``, ``!= N``;
a plain value must equal the capability (case-insensitively for booleans).
"""

from __future__ import annotations

import operator

_NUMERIC = {"==": operator.eq, "!=": operator.ne, ">=": operator.ge,
            "<=": operator.le}
_STRING = {"s==": operator.eq, "s!=": operator.ne, "s>=": operator.ge,
           "s<=": operator.le, "s>": operator.gt, "s<": operator.lt}


def _to_bool(value) -> bool | None:
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    return None


def value_matches(have, want: str) -> bool:
    """Does the capability value ``have`` satisfy the spec value ``want``?"""
    if have is None:
        return False
    words = str(want).split()
    if not words:
        return str(have) == str(want)
    op, rest = words[0], " ".join(words[1:])
    if op == "<is>":
        return _to_bool(have) == _to_bool(rest)
    if op == "<in>":
        return rest in str(have)
    if op == "<or>":
        options = [w for w in words if w != "<or>"]
        return str(have) in options
    if op in _STRING:
        return _STRING[op](str(have), rest)
    if op in _NUMERIC:
        try:
            return _NUMERIC[op](float(have), float(rest))
        except ValueError:
            return False
    wanted_bool = _to_bool(want)
    if isinstance(have, bool) and wanted_bool is not None:
        return have == wanted_bool
    return str(have) == str(want)


def requirements(extra_specs: dict) -> dict:
    """The extra specs that a backend's capabilities must satisfy."""
    out = {}
    for key, value in extra_specs.items():
        if key.startswith("capabilities:"):
            out[key.split(":", 1)[1]] = value
        elif ":" not in key and key not in ("volume_format",):
            out[key] = value
    return out


def backend_satisfies(capabilities: dict, backend_name: str, extra_specs: dict) -> bool:
    caps = {"volume_backend_name": backend_name, **(capabilities or {})}
    return all(value_matches(caps.get(key), value)
               for key, value in requirements(extra_specs).items())


def zones_allowed(extra_specs: dict) -> list[str] | None:
    raw = extra_specs.get("RESKEY:availability_zones")
    if not raw:
        return None
    return [z.strip() for z in raw.split(",") if z.strip()]
