"""The metadata API's check of the proxy's signature."""

import hashlib
import hmac

import pytest

from sovra_compute.metadata import auth

SECRET = "s3cret"
UUID = "3f2a9c4e-1b7d-4e8a-9f00-0c1d2e3f4a5b"


def _headers(**extra):
    headers = {"X-Instance-ID": UUID, "X-Tenant-ID": "p1",
               "X-Instance-ID-Signature": auth.sign(SECRET, UUID),
               "X-Forwarded-For": "10.0.0.5"}
    headers.update(extra)
    return {k: v for k, v in headers.items() if v is not None}


def test_the_signature_is_hex_hmac_sha256_of_the_instance_id():
    expected = hmac.new(b"s3cret", UUID.encode(), hashlib.sha256).hexdigest()
    assert auth.sign(SECRET, UUID) == expected
    assert auth.signature_matches(SECRET, UUID, expected)
    assert auth.signature_matches(SECRET, UUID, expected.upper())


def test_a_signed_request_names_its_server_project_and_guest():
    proxied = auth.authenticate(SECRET, _headers())
    assert proxied == auth.ProxiedRequest(instance_id=UUID, project_id="p1",
                                          remote_address="10.0.0.5")
    # a chain keeps the first (the guest); something else is no address
    assert auth.authenticate(SECRET, _headers(**{
        "X-Forwarded-For": "10.0.0.6, 192.0.2.1"})).remote_address == "10.0.0.6"
    assert auth.authenticate(SECRET, _headers(**{
        "X-Forwarded-For": "guest"})).remote_address is None


@pytest.mark.parametrize("signature", [
    None, "", "0" * 64, "zz", "é" * 64,
    pytest.param(auth.sign("other secret", UUID), id="another-secret"),
    pytest.param(auth.sign(SECRET, UUID + "x"), id="another-instance"),
])
def test_a_missing_or_wrong_signature_is_refused(signature):
    with pytest.raises(auth.InvalidSignature):
        auth.authenticate(SECRET, _headers(**{"X-Instance-ID-Signature": signature}))


def test_without_a_shared_secret_nothing_is_served():
    with pytest.raises(auth.NoSharedSecret):
        auth.authenticate("", _headers())


@pytest.mark.parametrize("header", ["X-Instance-ID", "X-Tenant-ID"])
def test_missing_instance_or_project_is_a_bad_request(header):
    with pytest.raises(auth.MissingHeader):
        auth.authenticate(SECRET, _headers(**{header: None}))
