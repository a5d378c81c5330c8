"""Progress line and --wait poller; version discovery parsing of ``sovra status``;
placement's --resource syntax."""

import io

import pytest

from sovra_common.cli import errors, progress, status
from sovra_placement.cli import resource_provider


class Tty(io.StringIO):
    def isatty(self):
        return True


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_progress_reader_draws_on_a_terminal():
    clock, stream = Clock(), Tty()
    data = io.BytesIO(b"x" * (3 * 1024 * 1024))
    reader = progress.ProgressReader(data, stream, "Uploading d.raw", total=3 * 1024 * 1024,
                                     chunk_size=1024 * 1024, interval=0, clock=clock)
    chunks = []
    for chunk in reader:
        clock.now += 1
        chunks.append(chunk)
    assert b"".join(chunks) == b"x" * (3 * 1024 * 1024)
    drawn = stream.getvalue()
    assert "Uploading d.raw: 1.0 MiB / 3.0 MiB (33%)" in drawn
    assert drawn.endswith("Uploading d.raw: 3.0 MiB / 3.0 MiB (100%) 1.0 MiB/s\n")


def test_progress_reader_is_silent_when_not_a_terminal():
    stream = io.StringIO()
    assert b"".join(progress.ProgressReader(io.BytesIO(b"abc"), stream, "x")) == b"abc"
    assert stream.getvalue() == ""


def test_wait_for_ready_and_error_and_timeout():
    states = iter([{"status": "BUILD", "OS-EXT-STS:task_state": "spawning"},
                   {"status": "ACTIVE"}])
    clock, stream = Clock(), Tty()

    def sleep(seconds):
        clock.now += seconds

    obj = progress.wait_for(lambda: next(states), ready={"ACTIVE"}, stream=stream,
                            label="vm1", clock=clock, sleep=sleep)
    assert obj == {"status": "ACTIVE"}
    assert "vm1: BUILD [spawning] 0s" in stream.getvalue()
    with pytest.raises(progress.WaitFailed, match="vm1 is ERROR: No valid host"):
        progress.wait_for(lambda: {"status": "ERROR", "fault": {"message": "No valid host"}},
                          ready={"ACTIVE"}, label="vm1", fault=lambda o: o["fault"]["message"],
                          clock=clock, sleep=sleep)
    with pytest.raises(progress.WaitFailed, match="still BUILD after 3s"):
        progress.wait_for(lambda: {"status": "BUILD"}, ready={"ACTIVE"}, timeout=3,
                          clock=clock, sleep=sleep)


@pytest.mark.parametrize("document, text", [
    ({"version": {"id": "v3.14", "status": "stable"}}, "v3.14"),
    ({"versions": {"values": [{"id": "v3.14", "status": "stable"}]}}, "v3.14"),
    ({"versions": [{"id": "v1.0", "status": "CURRENT", "min_version": "1.0",
                    "max_version": "1.39"}]}, "v1.0 (1.0-1.39)"),
    ({"versions": [{"id": "v2.0", "status": "SUPPORTED"},
                   {"id": "v2.1", "status": "CURRENT", "version": "2.96",
                    "min_version": "2.1"}]}, "v2.1 (2.1-2.96)"),
    ({"versions": [{"id": "v2.15", "status": "SUPPORTED"},
                   {"id": "v2.16", "status": "CURRENT"}]}, "v2.16"),
    ({}, ""),
])
def test_status_version_of(document, text):
    assert status.version_of(document) == text


def test_parse_resources():
    assert resource_provider.parse_resources(
        ["VCPU=8", "VCPU:allocation_ratio=4.0", "MEMORY_MB=2048", "MEMORY_MB:reserved=512"]
    ) == {"VCPU": {"total": 8, "allocation_ratio": 4.0},
          "MEMORY_MB": {"total": 2048, "reserved": 512}}
    for bad in (["VCPU"], ["VCPU:colour=1"], ["VCPU=many"], ["VCPU:reserved=1"]):
        with pytest.raises(errors.CommandError):
            resource_provider.parse_resources(bad)
