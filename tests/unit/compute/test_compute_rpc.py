"""The RPC contract: endpoints pinned by fingerprint, clients matching them."""

import inspect
import types

import oslo_messaging
import pytest

from sovra_common.rpc import check_fingerprint
from sovra_common.rpc.contract import rpc_methods
from sovra_compute import rpc
from sovra_compute.agent.endpoint import ComputeAgentEndpoint
from sovra_compute.conductor.endpoint import ConductorEndpoint


def test_conductor_rpc_contract():
    check_fingerprint(ConductorEndpoint, "1.9", {
        "action_event": "017f43f67fde88f9",
        "block_device_removed": "38687dcc7d4b061c",
        "block_device_update": "88379f1d397b9d13",
        "build_aborted": "5bc4675571de0434",
        "build_done": "6d708e2e82d0d8f9",
        "build_failed": "5bc4675571de0434",
        "build_instance": "92bca6025b948fe9",
        "confirm_resize": "1a534384be524703",
        "delete_instance": "1a534384be524703",
        "evacuate_done": "d674ac8d5b00021d",
        "evacuate_failed": "5bc4675571de0434",
        "evacuate_server": "ef51616706015696",
        "instance_destroyed": "c3c29c003e256f9e",
        "instance_update": "a184e747070bd944",
        "migrate_server": "1e66470955c6d491",
        "migration_disk_ready": "23258bf7b053ed56",
        "migration_failed": "5bc4675571de0434",
        "migration_reverted": "3061f4d525cad2cf",
        "network_info_update": "48c4b733ca11155d",
        "resize_done": "830cf67e2a0619bd",
        "resize_failed": "5bc4675571de0434",
        "resize_instance": "742604025c7860e8",
        "revert_done": "d674ac8d5b00021d",
        "revert_resize": "1a534384be524703",
        "sync_power_states": "e06c33b55c9af6ba",
        "vif_update": "c84db911ccc519f0",
    })


def test_compute_agent_rpc_contract():
    check_fingerprint(ComputeAgentEndpoint, "1.12", {
        "attach_interface": "71fee859b0ede027",
        "attach_volume": "f5a773dd5b6ca164",
        "build_instance": "006fa304fdfd411a",
        "confirm_migration": "94a86c6493f2d350",
        "confirm_resize": "56ed5d0242f9fab1",
        "detach_interface": "e15a2ccfa0d032e0",
        "detach_volume": "f5a773dd5b6ca164",
        "evacuate_instance": "959b579e26955b54",
        "external_instance_event": "6319e8f6941f4c85",
        "finish_migration": "493f440a21002bf6",
        "finish_revert_migration": "3a055aca36c803f4",
        "get_console_output": "56ed5d0242f9fab1",
        "get_power_state": "56ed5d0242f9fab1",
        "migrate_disk": "868b5bbefa2d6608",
        "pause_instance": "56ed5d0242f9fab1",
        "reboot_instance": "ebffa047fc1243c2",
        "rebuild_instance": "c246e4977b19fc4c",
        "resize_instance": "868b5bbefa2d6608",
        "resume_instance": "56ed5d0242f9fab1",
        "revert_migration": "56ed5d0242f9fab1",
        "revert_resize": "868b5bbefa2d6608",
        "snapshot_instance": "94a86c6493f2d350",
        "start_instance": "56ed5d0242f9fab1",
        "stop_instance": "56ed5d0242f9fab1",
        "suspend_instance": "56ed5d0242f9fab1",
        "terminate_instance": "56ed5d0242f9fab1",
        "unpause_instance": "56ed5d0242f9fab1",
    })


@pytest.mark.parametrize("client,endpoint", [(rpc.ConductorAPI, ConductorEndpoint),
                                             (rpc.ComputeAgentAPI,
                                              ComputeAgentEndpoint)])
def test_clients_call_what_endpoints_serve(client, endpoint):
    served = set(rpc_methods(endpoint))
    sent = {name for name, _ in inspect.getmembers(client, inspect.isfunction)
            if not name.startswith("_") and name in vars(client)}
    assert sent == served
    assert client.VERSION == endpoint.target.version


class _Transport:
    def __init__(self, cap, topic="compute-agent"):
        self.conf = types.SimpleNamespace(messaging=types.SimpleNamespace(
            version_caps={topic: cap} if cap else {},
            rpc_response_timeout=5))


def _casts(monkeypatch):
    """The (version, method, arguments) of every cast any client makes."""
    sent = []

    class Client:
        def prepare(self, **options):
            self.version = options["version"]
            return self

        def cast(self, ctxt, method, **kwargs):
            sent.append((self.version, method, kwargs))
    monkeypatch.setattr(oslo_messaging, "get_rpc_client", lambda *a, **kw: Client())
    return sent


STEP = {"event": "compute__do_build_and_run_instance", "result": "Success",
        "start_time": "2026-12-07T09:00:00+00:00",
        "finish_time": "2026-12-07T09:00:01+00:00"}


def test_an_agents_step_travels_with_its_outcome(monkeypatch):
    sent = _casts(monkeypatch)
    conductor = rpc.ConductorAPI(_Transport(None))
    conductor.build_done(None, "x", "node1", 1, event=STEP)
    conductor.instance_destroyed(None, "x", "node1",
                                 event=dict(STEP, event="compute_terminate_instance"))
    assert [(version, method, kwargs.get("event", {}).get("event"))
            for version, method, kwargs in sent] == [
        ("1.8", "build_done", "compute__do_build_and_run_instance"),
        ("1.8", "instance_destroyed", "compute_terminate_instance")]


def test_a_1_7_conductor_is_sent_the_step_apart(monkeypatch):
    sent = _casts(monkeypatch)
    conductor = rpc.ConductorAPI(_Transport("1.7", topic="compute-conductor"))
    conductor.build_done(None, "x", "node1", 1, event=STEP)
    conductor.build_done(None, "y", "node1", 1)  # (a step reported already)
    assert sent == [
        ("1.2", "action_event", dict(STEP, instance_uuid="x", host="node1",
                                     traceback=None, details=None)),
        ("1.0", "build_done", {"instance_uuid": "x", "host": "node1",
                               "power_state": 1}),
        ("1.0", "build_done", {"instance_uuid": "y", "host": "node1",
                               "power_state": 1})]


def test_only_a_1_11_agent_is_told_its_build_step_was_recorded(monkeypatch):
    sent = _casts(monkeypatch)
    assert not rpc.ComputeAgentAPI(_Transport("1.10")).can_send_version("1.11")
    agents = rpc.ComputeAgentAPI(_Transport(None))
    assert agents.can_send_version("1.11")
    agents.build_instance(None, "node1", {"uuid": "x"}, step_started=True)
    assert sent == [("1.11", "build_instance", {
        "instance": {"uuid": "x"}, "key_data": None, "user_data": None,
        "image": None, "step_started": True})]


def test_agent_client_refuses_new_operations_for_an_old_agent(monkeypatch):
    prepared = []
    monkeypatch.setattr(oslo_messaging, "get_rpc_client",
                        lambda *a, **kw: type("C", (), {
                            "prepare": lambda self, **o: prepared.append(o) or self,
                            "cast": lambda self, *a, **kw: None})())
    old = rpc.ComputeAgentAPI(_Transport("1.0"))
    old.stop_instance(None, "node1", {"uuid": "x"})
    assert prepared[-1] == {"version": "1.0", "server": "node1"}
    with pytest.raises(oslo_messaging.RPCVersionCapError):
        old.pause_instance(None, "node1", {"uuid": "x"})
    rpc.ComputeAgentAPI(_Transport(None)).pause_instance(None, "node1", {"uuid": "x"})
    assert prepared[-1] == {"version": "1.1", "server": "node1"}
    with pytest.raises(oslo_messaging.RPCVersionCapError):
        rpc.ComputeAgentAPI(_Transport("1.1")).snapshot_instance(None, "node1",
                                                                {"uuid": "x"}, "img")
    rpc.ComputeAgentAPI(_Transport(None)).snapshot_instance(None, "node1", {"uuid": "x"},
                                                            "img")
    assert prepared[-1] == {"version": "1.2", "server": "node1"}
