"""Event types and payload checks (nothing is sent)."""

import datetime

import pytest

from sovra_common.rpc.notifier import check_event


@pytest.mark.parametrize("event_type", [
    "compute.instance.create.end", "network.port.update", "block.volume.attach.error",
    "compute.instance_action.reboot.start",
])
def test_good_event_types(event_type):
    check_event(event_type, {"id": "x"})


@pytest.mark.parametrize("event_type", [
    "", "compute", "compute.instance", "Compute.instance.create", "compute..create",
    "compute.instance.create.", "compute instance create",
])
def test_bad_event_types(event_type):
    with pytest.raises(ValueError):
        check_event(event_type, {})


def test_payload_is_a_json_serialisable_dict():
    with pytest.raises(TypeError, match="dict"):
        check_event("compute.instance.create", ["id"])
    with pytest.raises(TypeError, match="JSON"):
        check_event("compute.instance.create", {"at": datetime.datetime.now()})
    check_event("compute.instance.create",
                {"id": "x", "n": 1, "ok": True, "tags": ["a"], "none": None})


def test_sending_retries_a_bounded_number_of_times_by_default(conf):
    from sovra_common.rpc import build_notification_transport
    from sovra_common.rpc.notifier import Notifier
    transport = build_notification_transport(conf)
    try:
        assert Notifier(transport, "test.host")._notifier.retry == 3
        conf.set_override("notification_retry", -1, group="messaging")
        assert Notifier(transport, "test.host")._notifier.retry == -1
    finally:
        transport.cleanup()
