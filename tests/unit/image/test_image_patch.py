"""JSON patch on images: core vs custom properties, read-only and reserved names."""

import types

import pytest

from sovra_common import exception
from sovra_image.service import image as image_service
from sovra_image.service import image_patch


def _image(**props):
    return types.SimpleNamespace(
        name="n", visibility="shared", protected=False, os_hidden=False,
        disk_format="raw", container_format="bare", min_disk=0, min_ram=0, owner="p",
        properties=[types.SimpleNamespace(name=k, value=v) for k, v in props.items()])


def _op(op, path, value=None):
    return {"op": op, "path": path, **({} if value is None else {"value": value})}


def test_replace_and_add_core_attributes():
    result = image_patch.apply(_image(), [_op("replace", "/name", "m"),
                                          _op("add", "/min_ram", 512)])
    assert result.core == {"name": "m", "min_ram": 512}


def test_unchanged_core_values_are_dropped():
    assert image_patch.apply(_image(), [_op("replace", "/name", "n")]).core == {}


def test_custom_properties_add_replace_remove():
    result = image_patch.apply(_image(a="1", b="2"), [
        _op("add", "/c", "3"), _op("replace", "/a", "9"), _op("remove", "/b")])
    assert result.properties == {"c": "3", "a": "9"}
    assert result.removed == {"b"}


def test_replace_of_a_missing_property_conflicts():
    with pytest.raises(image_patch.PropertyMissing):
        image_patch.apply(_image(), [_op("replace", "/nope", "x")])


def test_remove_of_a_missing_property_conflicts():
    with pytest.raises(exception.Conflict):
        image_patch.apply(_image(), [_op("remove", "/nope")])


def test_remove_then_add_again():
    result = image_patch.apply(_image(a="1"), [_op("remove", "/a"), _op("add", "/a", "2")])
    assert result.properties == {"a": "2"} and result.removed == set()


@pytest.mark.parametrize("path", ["/status", "/checksum", "/size", "/id", "/created_at",
                                  "/os_hash_value", "/locations"])
def test_read_only_attributes_are_forbidden(path):
    with pytest.raises(image_service.ReadOnlyAttribute):
        image_patch.apply(_image(), [_op("replace", path, "x")])


@pytest.mark.parametrize("path", ["/deleted", "/os_glance_import_task"])
def test_reserved_attributes_are_forbidden(path):
    with pytest.raises(image_service.ReservedAttribute):
        image_patch.apply(_image(), [_op("add", path, "x")])


def test_base_properties_cannot_be_removed():
    with pytest.raises(exception.Forbidden):
        image_patch.apply(_image(), [_op("remove", "/name")])


def test_tags_are_replaced_whole():
    assert image_patch.apply(_image(), [_op("replace", "/tags", ["a"])]).tags == ["a"]


def test_json_pointer_escapes():
    result = image_patch.apply(_image(), [_op("add", "/a~1b~0c", "v")])
    assert result.properties == {"a/b~c": "v"}


@pytest.mark.parametrize("path", ["/", "/a/b"])
def test_bad_pointers_are_invalid(path):
    with pytest.raises(exception.Invalid):
        image_patch.apply(_image(), [_op("add", path, "v")])


def test_add_needs_a_value():
    with pytest.raises(exception.Invalid):
        image_patch.apply(_image(), [{"op": "add", "path": "/x"}])
