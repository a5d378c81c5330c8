import json

import pytest
from werkzeug import exceptions as wz

from sovra_common import exception
from sovra_common.wsgi import faults


def _body(style, exc, status=None, request_id="req-x"):
    style = faults.get_style(style)
    status = status or style.status_for(exc)
    body, ctype = faults.render(style, status, faults.message_for(exc, status, request_id),
                                exc=exc, request_id=request_id)
    assert ctype == "application/json"
    return status, json.loads(body)


class NetworkNotFound(exception.NotFound):
    message = "Network %(net_id)s could not be found."


def test_compute_style():
    status, body = _body("compute", exception.NotFound("Server x not found."))
    assert status == 404
    assert body == {"itemNotFound": {"code": 404, "message": "Server x not found."}}


@pytest.mark.parametrize("exc,key", [
    (exception.Invalid(), "badRequest"), (exception.Forbidden(), "forbidden"),
    (exception.Conflict(), "conflictingRequest"), (exception.PayloadTooLarge(), "overLimit"),
    (exception.NotImplementedYet(), "notImplemented"), (RuntimeError("x"), "computeFault"),
])
def test_compute_style_names(exc, key):
    _, body = _body("compute", exc)
    assert list(body) == [key]


def test_identity_style():
    status, body = _body("identity", exception.NotAuthenticated())
    assert status == 401
    assert body["error"] == {"code": 401, "title": "Unauthorized",
                             "message": exception.NotAuthenticated.message}


def test_network_style_uses_exception_name():
    status, body = _body("network", NetworkNotFound(net_id="n1"))
    assert status == 404
    assert body == {"NeutronError": {"type": "NetworkNotFound",
                                     "message": "Network n1 could not be found.",
                                     "detail": ""}}


def test_network_style_quota_is_409_block_is_413_compute_403():
    assert _body("network", exception.OverQuota())[0] == 409
    assert _body("block", exception.OverQuota())[0] == 413
    assert _body("compute", exception.OverQuota())[0] == 403


def test_image_style():
    status, body = _body("image", exception.Conflict("Image is protected."))
    assert body == {"code": "409 Conflict", "title": "Conflict",
                    "message": "Image is protected."}


def test_placement_style_has_stable_code_and_request_id():
    exc = exception.Conflict("stale generation", error_code="placement.concurrent_update")
    status, body = _body("placement", exc, request_id="req-1")
    assert body == {"errors": [{"status": 409, "title": "Conflict",
                                "detail": "stale generation",
                                "code": "placement.concurrent_update",
                                "request_id": "req-1"}]}
    _, body = _body("placement", exception.NotFound())
    assert body["errors"][0]["code"] == "placement.undefined_code"


def test_werkzeug_errors_keep_their_status():
    assert _body("compute", wz.MethodNotAllowed(["GET"]))[0] == 405
    status, body = _body("network", wz.NotFound())
    assert status == 404 and body["NeutronError"]["type"] == "HTTPNotFound"


def test_unexpected_error_hides_its_text_but_names_request_id():
    _, body = _body("identity", KeyError("db password"), request_id="req-42")
    message = body["error"]["message"]
    assert "db password" not in message and "req-42" in message


def test_unknown_style_is_refused():
    with pytest.raises(ValueError):
        faults.get_style("nope")


def test_message_formatting_from_kwargs():
    assert str(NetworkNotFound(net_id="abc")) == "Network abc could not be found."
    # A missing kwarg falls back to the template rather than raising.
    assert str(NetworkNotFound()) == NetworkNotFound.message
