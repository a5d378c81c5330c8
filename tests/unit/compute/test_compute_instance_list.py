"""The server list's query logic (service/instance_list.py): filters, sorts, pages."""

import datetime

import pytest

from sovra_common import exception
from sovra_compute.db import models
from sovra_compute.service import instance as instance_service
from sovra_compute.service import instance_list

FLAVOR = {"flavorid": "1", "name": "m1", "vcpus": 1, "memory_mb": 512, "root_gb": 1,
          "ephemeral_gb": 0, "swap": 0, "extra_specs": {}}


class Ctxt:
    project_id, user_id, request_id = "p", "u", None


def _make(db, name, **extra):
    instance = instance_service.create(db, Ctxt(), name=name, flavor=FLAVOR,
                                       image_ref="img", **extra)
    return instance["uuid"]


def _names(rows):
    return [r["name"] for r in rows]


def test_regex_filters_search_and_bad_patterns_are_plain_text(db):
    _make(db, "web-1")
    _make(db, "db[1]")
    filters = instance_list.Filters(regex={"name": "^web"})
    assert _names(instance_list.list_(db, filters=filters)) == ["web-1"]
    filters = instance_list.Filters(regex={"name": "db["})  # not a valid expression
    assert _names(instance_list.list_(db, filters=filters)) == ["db[1]"]


def test_tag_filters_combine(db):
    _make(db, "a", tags=["x", "y"])
    _make(db, "b", tags=["x"])
    _make(db, "c")

    def names(**kwargs):
        rows = instance_list.list_(db, filters=instance_list.Filters(**kwargs),
                                   sort=[("display_name", "asc")])
        return _names(rows)
    assert names(tags=["x", "y"]) == ["a"]
    assert names(tags_any=["y", "z"]) == ["a"]
    assert names(not_tags=["x", "y"]) == ["b", "c"]
    assert names(not_tags_any=["x"]) == ["c"]
    assert names(tags=["x"], not_tags_any=["y"]) == ["b"]


def test_sorts_with_missing_values_and_several_keys(db):
    first = _make(db, "b")
    _make(db, "a", key_name="k2")
    _make(db, "c", key_name="k1")
    rows = instance_list.list_(db, sort=[("key_name", "asc")])
    assert _names(rows) == ["b", "c", "a"]  # no key sorts first, as NULL does
    rows = instance_list.list_(db, sort=[("key_name", "desc")])
    assert _names(rows) == ["a", "c", "b"]
    instance_service.update(db, first, locked=True)
    rows = instance_list.list_(db, sort=[("locked", "desc"), ("display_name", "asc")])
    assert _names(rows) == ["b", "a", "c"]
    assert _names(instance_list.list_(db, sort=[("no_such_key", "asc")])) == [
        "c", "a", "b"]  # default: newest first


def test_time_windows_include_deleted_unless_told(db):
    kept = _make(db, "kept")
    gone = _make(db, "gone")
    instance_service.mark_deleted(db, gone)
    long_ago = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    with db.writer() as session:
        session.get(models.Instance, kept).updated_at = long_ago
    assert _names(instance_list.list_(db)) == ["kept"]
    recent = instance_list.Filters(changes_since=long_ago + datetime.timedelta(days=1))
    assert _names(instance_list.list_(db, filters=recent)) == ["gone"]
    recent.deleted = False
    assert instance_list.list_(db, filters=recent) == []
    old = instance_list.Filters(changes_before=long_ago)
    assert _names(instance_list.list_(db, filters=old)) == ["kept"]


def test_marker_pages_and_unknown_marker(db):
    ids = [_make(db, f"s{i}") for i in range(3)]
    page = instance_list.list_(db, limit=2)
    assert [r["uuid"] for r in page] == ids[::-1][:2]
    rest = instance_list.list_(db, marker=page[-1]["uuid"])
    assert [r["uuid"] for r in rest] == [ids[0]]
    with pytest.raises(exception.Invalid):
        instance_list.list_(db, marker="nope")


def test_parse_time():
    assert instance_list.parse_time("2024-01-02T03:04:05Z", "x") == datetime.datetime(
        2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    naive = instance_list.parse_time("2024-01-02T03:04:05", "x")
    assert naive.tzinfo == datetime.UTC
    # a "+" in a query string arrives as a space
    assert instance_list.parse_time("2024-01-02T05:04:05 02:00", "x") == naive
    with pytest.raises(exception.Invalid, match="changes-since"):
        instance_list.parse_time("soon", "changes-since")
