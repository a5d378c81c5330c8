import pytest
from werkzeug.datastructures import MultiDict

from sovra_common import exception
from sovra_common.db import schema
from sovra_common.wsgi import validation

SCHEMA = {
    "type": "object",
    "properties": {"server": {"type": "object", "properties": {
        "name": {"type": "string", "maxLength": 5},
        "count": {"type": "integer", "minimum": 1}}, "additionalProperties": False}},
    "required": ["server"],
}


def test_valid_passes():
    validation.validate(SCHEMA, {"server": {"name": "a", "count": 2}})


def test_error_names_path_value_and_rule():
    with pytest.raises(exception.ValidationError) as err:
        validation.validate(SCHEMA, {"server": {"count": 0}})
    assert str(err.value) == ("Invalid input for field/attribute server.count. Value: 0. "
                              "0 is less than the minimum of 1")


def test_missing_required_and_extra_fields():
    with pytest.raises(exception.ValidationError, match="'server' is a required property"):
        validation.validate(SCHEMA, {})
    with pytest.raises(exception.ValidationError, match="'bad'"):
        validation.validate(SCHEMA, {"server": {"bad": 1}})


def test_query_dict_keeps_lists_only_for_arrays():
    schema = {"type": "object", "properties": {"tag": {"type": "array"},
                                               "limit": {"type": "string"}}}
    args = MultiDict([("tag", "a"), ("tag", "b"), ("limit", "1"), ("limit", "2")])
    assert validation.query_dict(args, schema) == {"tag": ["a", "b"], "limit": "2"}


def test_query_errors_say_query_string():
    schema = {"type": "object", "properties": {"limit": {"type": "string",
                                                         "pattern": "^[0-9]+$"}}}
    with pytest.raises(exception.ValidationError, match="Invalid query string"):
        validation.validate(schema, {"limit": "x"}, what="query string")


def test_integer_takes_ints_and_digit_strings_within_bounds():
    assert validation.integer("42", "ram") == 42
    assert validation.integer(schema.INT_MAX, "ram") == 2 ** 31 - 1
    assert validation.integer(-1, "instances", minimum=-1) == -1
    assert validation.integer(10 ** 30, "minRam", maximum=None) == 10 ** 30


@pytest.mark.parametrize("value, kwargs, words", [
    (2 ** 31, {}, "ram must be <= 2147483647"),
    ("99999999999999999999", {}, "ram must be <= 2147483647"),
    (-2, {"minimum": -1}, "ram must be >= -1"),
    ("x", {}, "It is not an integer"),
    (None, {}, "It is not an integer"),
])
def test_integer_out_of_bounds_is_a_400_naming_the_field(value, kwargs, words):
    with pytest.raises(exception.ValidationError) as caught:
        validation.integer(value, "ram", **kwargs)
    assert words in str(caught.value) and "ram" in str(caught.value)
