"""Placement's query string mini-languages: ``resources=VCPU:1,DISK_GB:10``,
``member_of=in:a,b`` / ``!in:a,b`` and ``required=T1,!T2`` / ``in:T1,T2``.

Errors are 400s with placement's query error codes."""

import re

from sovra_common import exception
from sovra_common.db.schema import INT_MAX
from sovra_placement.exception import (
    ILLEGAL_DUPLICATE_QUERYPARAM,
    QUERYPARAM_BAD_VALUE,
    BadQuery,
)

_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
                   r"[0-9a-fA-F]{12}$")
_CLASS = re.compile(r"^[A-Z0-9_]+$")


def single(req, name):
    """The one value of ``name`` (None if absent); a repeated one is a 400."""
    values = req.args.getlist(name)
    if len(values) > 1:
        raise exception.Invalid(f"Query parameter {name!r} may be given once.",
                                error_code=ILLEGAL_DUPLICATE_QUERYPARAM)
    return values[0] if values else None


def is_uuid(value) -> bool:
    return bool(_UUID.match(value or ""))


def resources(value, name="resources") -> dict[str, int]:
    result = {}
    if not value:
        raise BadQuery(f"Badly formed {name} parameter: an empty value.")
    for item in value.split(","):
        rc, sep, amount = item.partition(":")
        rc = rc.strip()
        if not sep or not _CLASS.match(rc) or not amount.strip().isdigit():
            raise BadQuery(f"Badly formed {name} parameter. Expected {name} query string "
                           f"parameter in form: ?{name}=VCPU:2,MEMORY_MB:1024. Got: "
                           f"{value}.")
        if rc in result:
            raise BadQuery(f"Badly formed {name} parameter: resource class {rc} is "
                           "repeated.")
        n = int(amount)
        if n < 1:
            raise BadQuery(f"Requested resource {rc} in {name} must be a positive "
                           f"integer, got {n}.")
        # An amount past the largest inventory (max_unit <= INT_MAX) fits nowhere;
        # it is kept just past it, where the database can still compare it.
        result[rc] = min(n, INT_MAX + 1)
    return result


def member_of(values, *, allow_forbidden: bool, name="member_of"):
    """(list of any-of sets, forbidden set) from the values of ``member_of``."""
    any_ofs, forbidden = [], set()
    for value in values:
        negated = value.startswith("!")
        if negated:
            if not allow_forbidden:
                raise BadQuery(f"Invalid query string parameters: forbidden aggregates "
                               f"({name}=!...) need microversion 1.32.")
            value = value[1:]
        listed = value.startswith("in:")
        uuids = [u.strip() for u in (value[3:] if listed else value).split(",")]
        if not all(is_uuid(u) for u in uuids) or (not listed and len(uuids) > 1):
            raise BadQuery(f"Invalid query string parameters: Expected '{name}' parameter "
                           "to contain valid UUID(s). Got: " + value)
        if negated:
            if listed or len(uuids) == 1:
                forbidden.update(uuids)
        else:
            any_ofs.append(set(uuids))
    return any_ofs, forbidden


def required(values, *, allow_forbidden: bool, allow_any: bool, name="required"):
    """(list of any-of sets, forbidden set) from the values of ``required``."""
    any_ofs, forbidden = [], set()
    for value in values:
        if value.startswith("in:"):
            if not allow_any:
                raise BadQuery(f"Invalid query string parameters: {name}=in:... needs "
                               "microversion 1.39.")
            names = [t.strip() for t in value[3:].split(",")]
            if not all(names) or any(t.startswith("!") for t in names):
                raise BadQuery(f"Invalid query string parameters: Expected '{name}' "
                               f"parameter value of the form in:T1,T2. Got: {value}")
            any_ofs.append(set(names))
            continue
        for trait in value.split(","):
            trait = trait.strip()
            if trait.startswith("!") and allow_forbidden:
                if not trait[1:]:
                    raise BadQuery(f"Invalid query string parameters: Expected '{name}' "
                                   f"parameter value of the form: HW_CPU_X86_VMX,"
                                   f"!CUSTOM_MAGIC. Got: {value}")
                forbidden.add(trait[1:])
            elif not trait:
                raise BadQuery(f"Invalid query string parameters: Expected '{name}' "
                               f"parameter value of the form: HW_CPU_X86_VMX,"
                               f"!CUSTOM_MAGIC. Got: {value}")
            else:
                any_ofs.append({trait})
    conflict = set().union(*any_ofs) & forbidden if any_ofs else set()
    if conflict:
        raise BadQuery(f"Conflicting required and forbidden traits found in the "
                       f"following traits keys: {name}: ({', '.join(sorted(conflict))})")
    return any_ofs, forbidden


def values(req, name, *, repeatable: bool):
    """Every value of ``name`` if ``repeatable``, else the last one (as a list)."""
    found = req.args.getlist(name)
    if not repeatable and found:
        return found[-1:]
    return found


def unknown(req, allowed) -> None:
    extra = sorted(set(req.args) - set(allowed))
    if extra:
        raise exception.Invalid("Invalid query string parameters: Additional properties "
                                f"are not allowed ({', '.join(extra)} unexpected)",
                                error_code=QUERYPARAM_BAD_VALUE)
