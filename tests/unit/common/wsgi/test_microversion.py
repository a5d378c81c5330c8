import pytest
from werkzeug.datastructures import Headers

from sovra_common import exception
from sovra_common.wsgi.microversion import Microversions, Version

MV = Microversions("compute", ["2.1", "2.2", "2.9", "2.10"],
                   legacy_headers=("X-OpenStack-Nova-API-Version",))


def test_versions_compare_numerically():
    assert Version.parse("2.10") > Version.parse("2.9")
    assert Version.parse("2.10").matches("2.2", "2.10")
    assert not Version.parse("2.1").matches("2.2")
    assert Version(2, 1) == "2.1" and Version(2, 1) == (2, 1)


@pytest.mark.parametrize("text", ["2", "2.", ".1", "a.b", "2.1.1", "02.1", "2.01", " "])
def test_malformed(text):
    with pytest.raises(exception.Invalid):
        Version.parse(text)


@pytest.mark.parametrize("header,expected", [
    (None, "2.1"), ("compute 2.9", "2.9"), ("compute latest", "2.10"),
    ("COMPUTE 2.2", "2.2"), ("volume 3.0, compute 2.10", "2.10"), ("volume 3.5", "2.1"),
])
def test_negotiate(header, expected):
    headers = Headers({"OpenStack-API-Version": header} if header else {})
    assert str(MV.negotiate(headers)) == expected


def test_standard_header_wins_over_legacy():
    headers = Headers({"OpenStack-API-Version": "compute 2.2",
                       "X-OpenStack-Nova-API-Version": "2.9"})
    assert str(MV.negotiate(headers)) == "2.2"
    assert str(MV.negotiate(Headers({"X-OpenStack-Nova-API-Version": "2.9"}))) == "2.9"


@pytest.mark.parametrize("header", ["compute 2.11", "compute 3.0", "compute 2.0"])
def test_out_of_range_is_not_acceptable(header):
    with pytest.raises(exception.VersionNotAcceptable):
        MV.negotiate(Headers({"OpenStack-API-Version": header}))


def test_header_with_service_and_no_version_is_invalid():
    with pytest.raises(exception.Invalid):
        MV.negotiate(Headers({"OpenStack-API-Version": "compute"}))


def test_response_headers():
    headers = MV.response_headers(Version(2, 9))
    assert headers["OpenStack-API-Version"] == "compute 2.9"
    assert headers["X-OpenStack-Nova-API-Version"] == "2.9"
    assert headers["Vary"] == "OpenStack-API-Version, X-OpenStack-Nova-API-Version"


def test_versions_list_must_increase():
    with pytest.raises(ValueError):
        Microversions("x", ["1.1", "1.0"])
    with pytest.raises(ValueError):
        Microversions("x", [])
