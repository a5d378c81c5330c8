"""The volume agent as a component (sovra-block-volume): what it refuses to start
with, nothing left running when it fails, and its backends served over the
in-process bus (no sockets) to a VolumeAgentAPI client."""

import subprocess
import sys
import threading
import uuid

import pytest
from test_block_agent import Reports, make_conf

from sovra_block import rpc as block_rpc
from sovra_block.agent import backend as agent_backend
from sovra_block.cmd import agent
from sovra_block.drivers import base
from sovra_common import context as sovra_context
from sovra_common import rpc


def backend_threads():
    return [t.name for t in threading.enumerate() if t.name.startswith("backend-")]


def configure_file_backend(conf, name, tmp_path):
    agent_backend.register_backend(conf, name)
    conf.set_override("file_volume_dir", str(tmp_path / name), group=name)


def test_named_for_allinone():
    assert (agent.COMPONENT.name, agent.COMPONENT.config_project) == (
        "block-volume", "sovra-block")
    conf = agent.COMPONENT.new_conf()
    assert conf.block.report_interval == 10


@pytest.mark.parametrize("backends, message", [
    ([], "no backend enabled: set [block] enabled_backends"),
    (["a", "b", "a"], "names a twice"),
    (["bad/name"], "'bad/name' is not a backend name"),
    (["block"], "'block' is the name of another option group"),
])
def test_refuses_to_start_without_a_usable_backend_list(tmp_path, backends, message):
    conf = make_conf(tmp_path, enabled_backends=backends)
    with pytest.raises(agent_backend.BackendConfigError) as caught:
        agent.COMPONENT.start(conf, None, reports=Reports())
    assert message in str(caught.value)
    assert backend_threads() == []


def test_unknown_driver_is_named(tmp_path):
    conf = make_conf(tmp_path, enabled_backends=["gold"])
    agent_backend.register_backend(conf, "gold")
    conf.set_override("volume_driver", "ceph", group="gold")
    with pytest.raises(agent_backend.BackendConfigError,
                       match=r"\[gold\] volume_driver = ceph: no such driver "
                             r"\(installed: file"):
        agent.COMPONENT.start(conf, None, reports=Reports())


class BrokenDriver(base.VolumeDriver):
    """Fails its set-up (say, an unmounted NFS share)."""

    def do_setup(self):
        raise base.BackendError("/mnt/nfs is not mounted")

    def __getattr__(self, name):
        raise AssertionError(f"{name} called on a backend that never started")


for _name in base.VolumeDriver.__abstractmethods__ - {"do_setup"}:
    setattr(BrokenDriver, _name, lambda self, *a, **kw: None)
BrokenDriver.__abstractmethods__ = frozenset()


def test_a_backend_that_cannot_start_stops_the_others(tmp_path):
    conf = make_conf(tmp_path, enabled_backends=["first", "second"])
    configure_file_backend(conf, "first", tmp_path)
    broken = BrokenDriver(conf, "second")
    with pytest.raises(base.BackendError,
                       match="backend host1@second cannot start: /mnt/nfs is not "
                             "mounted"):
        agent.COMPONENT.start(conf, None, drivers={"second": broken},
                              reports=Reports())
    assert backend_threads() == []


def test_backends_are_served_over_the_bus(tmp_path):
    """Two file backends in one agent; a VolumeAgentAPI client creates, connects
    and deletes volumes on each, and the reports come back (here to a stand-in)."""
    conf = make_conf(tmp_path, enabled_backends=["fast", "slow"])
    for name in ("fast", "slow"):
        configure_file_backend(conf, name, tmp_path)
    conf.set_override("default_volume_format", "qcow2", group="slow")
    conversion = tmp_path / "conversion"
    conversion.mkdir()
    for name in ("image-abc.part", "upload-abc.qcow2", ".tmp-upload-abc.raw-1234",
                 "keep.txt"):  # an earlier run died while it staged images
        (conversion / name).write_bytes(b"x")
    reports = Reports()
    running = agent.COMPONENT.start(conf, None, reports=reports)
    assert sorted(p.name for p in conversion.iterdir()) == ["keep.txt"]
    transport = rpc.build_rpc_transport(
        conf, allowed_remote_exmods=("sovra_block.drivers.base",))
    try:
        assert sorted(backend_threads()) == ["backend-fast", "backend-slow"]
        client = block_rpc.VolumeAgentAPI(transport)
        ctxt = sovra_context.RequestContext(user_id="u", project_id="p",
                                            roles=["member"])
        reports.wait_for("report_capacity", 2)
        assert {args[0] for args, _ in reports.named("report_capacity")} == {
            "host1@fast", "host1@slow"}

        vols = {}
        for name in ("fast", "slow"):
            vol = {"id": str(uuid.uuid4()), "size": 1, "format": None}
            client.create_volume(ctxt, f"host1@{name}", vol)
            vols[name] = vol
        reports.wait_for("volume_update", 2)
        formats = {args[0]: args[1]["format"] for args, _ in
                   reports.named("volume_update")}
        assert formats == {vols["fast"]["id"]: "raw", vols["slow"]["id"]: "qcow2"}

        vol = dict(vols["slow"], format="qcow2")
        info = client.initialize_connection(ctxt, "host1@slow", vol, {"host": "c1"})
        assert info["data"]["path"] == str(tmp_path / "slow" /
                                            f"volume-{vol['id']}.qcow2")
        with pytest.raises(base.VolumeNotFound) as caught:  # not on the other one
            client.initialize_connection(ctxt, "host1@fast", vol, {"host": "c1"})
        assert caught.value.kwargs["volume_id"] == vol["id"]
        assert caught.value.reason == f"volume {vol['id']} not found"

        client.delete_volume(ctxt, "host1@slow", vol)
        reports.wait_for("volume_deleted")
        assert reports.named("volume_deleted") == [((vol["id"],), {})]
    finally:
        transport.cleanup()
        running.stop()
    assert backend_threads() == []


def test_the_command_explains_in_one_line_why_it_cannot_run(tmp_path):
    config = tmp_path / "sovra-block.conf"
    config.write_text("[auth]\nstrategy = noauth\n[block]\nenabled_backends =\n")
    done = subprocess.run([sys.executable, "-W", "ignore", "-m",
                           "sovra_block.cmd.agent", "--config-file", str(config)],
                          capture_output=True, text=True, timeout=60)
    output = done.stdout + done.stderr
    assert done.returncode == 1
    errors = [line for line in output.splitlines() if "ERROR" in line]
    assert len(errors) == 1, output
    assert "block-volume cannot run: no backend enabled" in errors[0]
    assert "Traceback" not in output
