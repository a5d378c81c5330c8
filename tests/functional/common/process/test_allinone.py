"""sovra-allinone and run_one as real processes: start, serve HTTP, stop on SIGTERM,
and never leave half a cloud behind."""

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

TESTS = Path(__file__).resolve().parents[3]

ALLINONE = """
import sys
sys.path.insert(0, {tests!r})
from example_svc.cmd.api import ExampleApi, COMPONENT
from sovra_common.cmd import allinone
second = ExampleApi()
second.name, second.config_project = "example2-api", "sovra-example2"
sys.exit(allinone.main(sys.argv[1:], components={{"example-api": COMPONENT,
                                                  "example2-api": second}}))
"""

RUN_ONE = """
import sys
sys.path.insert(0, {tests!r})
from example_svc.cmd.api import COMPONENT
from sovra_common import process
sys.exit(process.run_one(COMPONENT, sys.argv[1:]))
"""

RUN_ONE_UNABLE = """
import sys
sys.path.insert(0, {tests!r})
from example_svc.cmd.api import ExampleApi
from sovra_common import exception, process

class Unable(ExampleApi):
    def start(self, conf, resources):
        raise exception.ServiceUnavailable("the hypervisor is not there (start it)")

sys.exit(process.run_one(Unable(), sys.argv[1:]))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _config_dir(tmp_path, **ports):
    conf_dir = tmp_path / "etc"
    conf_dir.mkdir()
    (conf_dir / "sovra.conf").write_text("[auth]\nstrategy = noauth\n")
    for project, port in ports.items():
        (conf_dir / f"{project}.conf").write_text(
            f"[api]\nbind_port = {port}\n"
            f"[database]\nconnection = sqlite:///{tmp_path / project}.db\n")
    return conf_dir


class _Proc:
    """A child process whose output is always collected and whose pipes are closed."""

    def __init__(self, script, *args):
        self.popen = subprocess.Popen(
            [sys.executable, "-c", script.format(tests=str(TESTS)), *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.output = ""  # stdout and stderr: logs go to stdout, usage errors to stderr

    def wait(self, timeout=30.0) -> int:
        self.output, _ = self.popen.communicate(timeout=timeout)
        return self.popen.returncode

    def stop(self) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        return self.wait(15)

    def wait_http(self, url, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                self.wait()
                raise AssertionError(f"exited {self.popen.returncode}: {self.output}")
            try:
                return requests.get(url, timeout=1)
            except requests.ConnectionError:
                time.sleep(0.1)
        raise AssertionError(f"{url} did not answer in {timeout}s")


def _port_is_free(port) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_allinone_serves_every_enabled_component_and_stops_cleanly(tmp_path):
    p1, p2 = _free_port(), _free_port()
    conf_dir = _config_dir(tmp_path, **{"sovra-example": p1, "sovra-example2": p2})
    proc = _Proc(ALLINONE, "--config-dir", str(conf_dir))
    try:
        for port in (p1, p2):
            assert proc.wait_http(f"http://127.0.0.1:{port}/").status_code == 200
        created = requests.post(f"http://127.0.0.1:{p1}/v1/widgets",
                                json={"widget": {"name": "w"}},
                                headers={"X-Auth-Token": "u:p"}, timeout=5)
        assert created.status_code == 201
    finally:
        assert proc.stop() == 0, proc.output
    assert _port_is_free(p1) and _port_is_free(p2)
    assert "stopped example-api" in proc.output and "stopped example2-api" in proc.output

    # the data is on disk: a new process serves the widget created by the last one
    proc = _Proc(ALLINONE, "--config-dir", str(conf_dir), "--components", "example-api")
    try:
        proc.wait_http(f"http://127.0.0.1:{p1}/")
        listed = requests.get(f"http://127.0.0.1:{p1}/v1/widgets",
                              headers={"X-Auth-Token": "u:p"}, timeout=5).json()
        assert [w["name"] for w in listed["widgets"]] == ["w"]
    finally:
        assert proc.stop() == 0, proc.output


def test_allinone_enables_only_components_with_a_config_file(tmp_path):
    p1 = _free_port()
    conf_dir = _config_dir(tmp_path, **{"sovra-example": p1})
    proc = _Proc(ALLINONE, "--config-dir", str(conf_dir))
    try:
        proc.wait_http(f"http://127.0.0.1:{p1}/")
    finally:
        proc.stop()
    ready = next(line for line in proc.output.splitlines() if "ready:" in line)
    assert ready.endswith("ready: example-api"), ready


def test_a_component_that_cannot_start_stops_the_others(tmp_path):
    p1 = _free_port()
    with socket.create_server(("127.0.0.1", 0)) as taken:
        busy = taken.getsockname()[1]
        conf_dir = _config_dir(tmp_path, **{"sovra-example": p1, "sovra-example2": busy})
        proc = _Proc(ALLINONE, "--config-dir", str(conf_dir))
        assert proc.wait() == 1, proc.output
    assert "Address already in use" in proc.output
    assert "stopped example-api" in proc.output  # the one that had started
    assert _port_is_free(p1)


@pytest.mark.parametrize("args,message", [
    (["--config-dir", "/nonexistent"], "no such directory"),
    (["--components", "nope"], "unknown component(s): nope"),
])
def test_usage_errors_exit_2_with_one_line(tmp_path, args, message):
    if "--config-dir" not in args:
        args = ["--config-dir", str(_config_dir(tmp_path)), *args]
    proc = _Proc(ALLINONE, *args)
    assert proc.wait() == 2
    assert message in proc.output


def test_run_one_serves_one_component_from_its_config_file(tmp_path):
    port = _free_port()
    conf_dir = _config_dir(tmp_path, **{"sovra-example": port})
    config = conf_dir / "sovra-example.conf"
    config.write_text(config.read_text() + "[auth]\nstrategy = noauth\n")
    proc = _Proc(RUN_ONE, "--config-file", str(config))
    try:
        assert proc.wait_http(f"http://127.0.0.1:{port}/").status_code == 200
    finally:
        assert proc.stop() == 0, proc.output
    assert _port_is_free(port)


def test_run_one_reports_a_bad_config_file(tmp_path):
    bad = tmp_path / "bad.conf"
    bad.write_text("[api]\nbind_port = not-a-port\n")
    proc = _Proc(RUN_ONE, "--config-file", str(bad))
    assert proc.wait() == 2
    assert "example-api: configuration error" in proc.output
    assert "bind_port" in proc.output


@pytest.mark.parametrize("debug", [False, True])
def test_run_one_explains_an_expected_failure_in_one_line(tmp_path, debug):
    config = tmp_path / "sovra-example.conf"
    config.write_text("[auth]\nstrategy = noauth\n")
    args = ["--config-file", str(config)] + (["--debug"] if debug else [])
    proc = _Proc(RUN_ONE_UNABLE, *args)
    assert proc.wait() == 1
    assert "example-api cannot run: the hypervisor is not there (start it)" in proc.output
    assert ("Traceback" in proc.output) is debug  # a traceback only with --debug
