"""Config: every common group registers, loads, stays private to its ConfigOpts, and
reaches the sample config."""

import subprocess
import sys

import pytest

from sovra_common import conf as sovra_conf
from sovra_common.conf import opts


def _loaded():
    conf = sovra_conf.new_conf()
    return sovra_conf.load(conf, "sovra-test", config_files=[])


def test_every_group_is_registered_with_defaults():
    conf = _loaded()
    assert conf.api.bind_host == "127.0.0.1"
    assert conf.messaging.transport_url == "sovra-inproc://"
    assert conf.coordination.backend_url == "inprocess://"
    assert conf.auth.strategy == "keystone"
    assert conf.oslo_policy.policy_file == "policy.yaml"
    assert conf.database.connection is None or isinstance(conf.database.connection, str)


# One option per group, with a valid value that is not its default.
_PROBES = [
    ("api", "bind_host", "127.0.0.9"),
    ("auth", "strategy", "noauth"),
    ("service_auth", "auth_type", "password"),
    ("coordination", "backend_url", "etcd3+http://127.0.0.1:2379"),
    ("database", "connection", "sqlite://"),
    ("messaging", "transport_url", "rabbit://127.0.0.1:5672/"),
]


def test_probes_cover_every_common_group():
    names = {group.name for group, _ in opts.list_opts() if hasattr(group, "name")}
    assert names - {"oslo_policy"} <= {g for g, _, _ in _PROBES} | {"service_auth"}


@pytest.mark.parametrize("group,name,value", _PROBES)
def test_overrides_do_not_leak_between_confs(group, name, value):
    a, b = _loaded(), _loaded()
    before = b[group][name]
    assert before != value
    a.set_override(name, value, group=group)
    assert a[group][name] == value
    assert b[group][name] == before


def test_config_file_is_read(tmp_path):
    path = tmp_path / "sovra.conf"
    path.write_text("[api]\nbind_host = 127.0.0.2\nmax_request_body_size = 2048\n")
    conf = sovra_conf.load(sovra_conf.new_conf(), "sovra-test", config_files=[str(path)])
    assert conf.api.bind_host == "127.0.0.2"
    assert conf.api.max_request_body_size == 2048


def test_invalid_value_is_refused(tmp_path):
    path = tmp_path / "sovra.conf"
    path.write_text("[api]\nmax_request_body_size = 10\n")
    with pytest.raises(ValueError, match="max_request_body_size"):
        sovra_conf.load(sovra_conf.new_conf(), "sovra-test", config_files=[str(path)])


def test_sample_config_generates(tmp_path):
    out = tmp_path / "sample.conf"
    subprocess.run([sys.executable, "-m", "oslo_config.generator",
                    "--namespace", "sovra.common", "--namespace", "oslo.messaging",
                    "--output-file", str(out)], check=True, capture_output=True)
    text = out.read_text()
    for section in ("[api]", "[auth]", "[service_auth]", "[coordination]", "[database]",
                    "[messaging]", "[oslo_policy]"):
        assert section in text, section
    assert "#max_request_body_size = 114688" in text


def test_a_bad_value_fails_at_load_naming_its_option(tmp_path):
    path = tmp_path / "sovra.conf"
    path.write_text("[api]\nbind_port = not-a-port\n")
    with pytest.raises(ValueError, match=r"^\[api\] bind_port: "):
        sovra_conf.load(sovra_conf.new_conf(), "sovra-test", config_files=[str(path)])
