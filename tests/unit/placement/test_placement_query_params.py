import pytest

from sovra_common import exception
from sovra_placement.api import query_params

A = "aaaaaaaa-0000-0000-0000-000000000001"
B = "aaaaaaaa-0000-0000-0000-000000000002"


def test_resources():
    assert query_params.resources("VCPU:1,MEMORY_MB:512") == {"VCPU": 1, "MEMORY_MB": 512}


@pytest.mark.parametrize("bad", ["", "VCPU", "VCPU:x", "VCPU:0", "vcpu:1", "VCPU:1,VCPU:2",
                                 "VCPU:-1"])
def test_bad_resources(bad):
    with pytest.raises(exception.Invalid) as err:
        query_params.resources(bad)
    assert err.value.error_code == "placement.query.bad_value"


def test_member_of():
    assert query_params.member_of([A, f"in:{A},{B}"], allow_forbidden=False) == (
        [{A}, {A, B}], set())
    assert query_params.member_of([f"!{A}", f"!in:{A},{B}"], allow_forbidden=True) == (
        [], {A, B})


@pytest.mark.parametrize("bad", ["nope", f"{A},{B}", f"in:{A},nope"])
def test_bad_member_of(bad):
    with pytest.raises(exception.Invalid):
        query_params.member_of([bad], allow_forbidden=True)


def test_forbidden_aggregates_need_permission():
    with pytest.raises(exception.Invalid):
        query_params.member_of([f"!{A}"], allow_forbidden=False)


def test_required():
    assert query_params.required(["T1,!T2"], allow_forbidden=True, allow_any=False) == (
        [{"T1"}], {"T2"})
    assert query_params.required(["in:T1,T2", "T3"], allow_forbidden=True,
                                 allow_any=True) == ([{"T1", "T2"}, {"T3"}], set())


def test_required_before_forbidden_is_literal():
    # before 1.22 "!T" is a trait name (that cannot exist): no forbidden set
    assert query_params.required(["!T"], allow_forbidden=False, allow_any=False) == (
        [{"!T"}], set())


@pytest.mark.parametrize("bad", ["T1,,T2", "in:T1,!T2", "T1,!T1", "!"])
def test_bad_required(bad):
    with pytest.raises(exception.Invalid):
        query_params.required([bad], allow_forbidden=True, allow_any=True)


def test_any_of_needs_permission():
    with pytest.raises(exception.Invalid):
        query_params.required(["in:T1,T2"], allow_forbidden=True, allow_any=False)
