"""jsonschema validation of request bodies and query strings.

Errors become 400s whose message names the field, the value and the rule, so a
user can fix the request without reading our code:
``Invalid input for field/attribute widget.size. Value: -1. -1 is less than the
minimum of 1``.
"""

from __future__ import annotations

import jsonschema
from jsonschema import validators

from sovra_common import exception
from sovra_common.db import schema

_Validator = validators.validator_for({"$schema": "http://json-schema.org/draft-07/schema#"})
_FORMATS = jsonschema.FormatChecker()
_cache: dict[int, jsonschema.protocols.Validator] = {}


_CACHE_MAX = 512


def _validator(schema: dict):
    # Schemas are module-level constants: build each validator once. A schema built
    # per request would fill the cache with dead ids; past the bound it starts over.
    key = id(schema)
    cached = _cache.get(key)
    if cached is None or cached.schema is not schema:
        _Validator.check_schema(schema)
        if len(_cache) >= _CACHE_MAX:
            _cache.clear()
        cached = _cache[key] = _Validator(schema, format_checker=_FORMATS)
    return cached


def _path(error) -> str:
    return ".".join(str(p) for p in error.absolute_path)


def _describe(error) -> str:
    # The most specific reason: for anyOf/oneOf, jsonschema keeps the sub-errors.
    best = jsonschema.exceptions.best_match([error])
    path = _path(best)
    if best.validator == "additionalProperties" or not path:
        return best.message
    value = best.instance
    return f"Invalid input for field/attribute {path}. Value: {value}. {best.message}"


def validate(schema: dict, data, what: str = "body") -> None:
    """Raise ValidationError (400) if ``data`` does not match ``schema``."""
    errors = sorted(_validator(schema).iter_errors(data),
                    key=lambda e: (len(list(e.absolute_path)), str(e.message)))
    if errors:
        raise exception.ValidationError(f"Invalid {what}: {_describe(errors[0])}"
                                        if what != "body" else _describe(errors[0]))


def integer(value, field: str, *, minimum: int | None = None,
            maximum: int | None = schema.INT_MAX) -> int:
    """``value`` (an int, or a string of digits a schema let through) as an int,
    or ValidationError (400) naming ``field`` when it is outside the bounds (a
    schema's ``maximum`` does not apply to the string form, and the database
    would refuse the number)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise exception.ValidationError(
            f"Invalid input for field/attribute {field}. Value: {value}. "
            "It is not an integer.") from None
    if minimum is not None and number < minimum:
        raise exception.ValidationError(
            f"Invalid input for field/attribute {field}. Value: {value}. "
            f"{field} must be >= {minimum}.")
    if maximum is not None and number > maximum:
        raise exception.ValidationError(
            f"Invalid input for field/attribute {field}. Value: {value}. "
            f"{field} must be <= {maximum}.")
    return number


def query_dict(args, schema: dict) -> dict:
    """A werkzeug MultiDict of query parameters as a plain dict for ``schema``.

    A parameter the schema declares as an array keeps every value
    (``?tag=a&tag=b``); any other keeps its last value, as OpenStack APIs do.
    """
    props = schema.get("properties", {})
    result = {}
    for key in args:
        values = args.getlist(key)
        if props.get(key, {}).get("type") == "array":
            result[key] = values
        else:
            result[key] = values[-1]
    return result
