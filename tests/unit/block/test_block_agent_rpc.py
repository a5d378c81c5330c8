"""The volume agent's RPC contract: its endpoint pinned by fingerprint, the client
sending exactly what the endpoint takes, and the report stand-in of the agent's
tests speaking VolumeReportAPI's language."""

import inspect
import types

import oslo_messaging
import pytest
from test_block_agent import Reports

from sovra_block import rpc
from sovra_block.agent.endpoint import VolumeAgentEndpoint
from sovra_common.rpc import check_fingerprint
from sovra_common.rpc.contract import rpc_methods


def test_volume_agent_rpc_contract():
    check_fingerprint(VolumeAgentEndpoint, "1.1", {
        "backup_volume": "992c0d711eba0236",
        "copy_volume_to_image": "3019359736c88841",
        "create_snapshot": "b2f3bae4539f6c6f",
        "create_volume": "8cc514f146271134",
        "delete_backup": "120d8fce6fe2b58e",
        "delete_snapshot": "b2f3bae4539f6c6f",
        "delete_volume": "6dfc87a2efe9cc3d",
        "extend_volume": "381c21c7a4c7b211",
        "initialize_connection": "0f6542bc0e12b7e9",
        "restore_backup": "8f87dc5514e1ba53",
        "terminate_connection": "0f6542bc0e12b7e9",
    })


def _sent(client_cls, monkeypatch):
    """{method: (how, RPC method name, kwargs, prepare options)} for every public
    method of ``client_cls``, each called with placeholder arguments."""
    sent = {}
    current = {}

    class Prepared:
        def __init__(self, **options):
            current["options"] = options

        def cast(self, ctxt, method, **kwargs):
            current.update(how="cast", method=method, kwargs=kwargs)

        def call(self, ctxt, method, **kwargs):
            current.update(how="call", method=method, kwargs=kwargs)

    monkeypatch.setattr(oslo_messaging, "get_rpc_client",
                        lambda *a, **kw: types.SimpleNamespace(prepare=Prepared))
    transport = types.SimpleNamespace(conf=types.SimpleNamespace(
        messaging=types.SimpleNamespace(version_caps={}, rpc_response_timeout=5)))
    client = client_cls(transport)
    for name, func in vars(client_cls).items():
        if name.startswith("_") or not inspect.isfunction(func):
            continue
        params = list(inspect.signature(func).parameters.values())[2:]  # self, ctxt
        args = [f"<{p.name}>" for p in params if p.default is inspect.Parameter.empty]
        current.clear()
        getattr(client, name)(None, *args)
        sent[name] = (current["how"], current["method"], current["kwargs"],
                      current["options"])
    return sent


def test_agent_client_sends_what_the_endpoint_takes(monkeypatch):
    sent = _sent(rpc.VolumeAgentAPI, monkeypatch)
    served = rpc_methods(VolumeAgentEndpoint)
    assert set(sent) == set(served)
    for name, (how, method, kwargs, options) in sent.items():
        assert method == name
        assert options["server"] == "<backend>"  # always one backend's server
        params = inspect.signature(served[name]).parameters
        assert set(kwargs) <= set(params), name
        required = {p for p, v in params.items() if v.default is inspect.Parameter.empty
                    and p not in ("self", "ctxt")}
        assert required <= set(kwargs), name
        want = "call" if name in ("initialize_connection", "terminate_connection") \
            else "cast"
        assert how == want, name
    assert rpc.VolumeAgentAPI.VERSION == VolumeAgentEndpoint.target.version


def test_report_stand_in_has_the_report_api_signatures():
    for name, func in vars(rpc.VolumeReportAPI).items():
        if name.startswith("_") or not inspect.isfunction(func):
            continue
        assert inspect.signature(getattr(Reports, name)) == inspect.signature(func), name


@pytest.mark.parametrize("name", ["report_capacity", "volume_update", "volume_deleted",
                                  "snapshot_update", "snapshot_deleted", "reconcile",
                                  "backup_update", "backup_deleted"])
def test_reports_go_to_the_report_topic(name, monkeypatch):
    sent = _sent(rpc.VolumeReportAPI, monkeypatch)
    how, method, kwargs, options = sent[name]
    assert method == name and "server" not in options
    assert how == ("call" if name == "reconcile" else "cast")
    assert rpc.VolumeReportAPI.TOPIC == rpc.REPORT_TOPIC == "block-report"
