"""sovra-manage identity fernet/bootstrap (injected, no entry points) and the API
console script's refusal to start without keys."""

import os

import pytest

from sovra_common import conf as sovra_conf
from sovra_common import process
from sovra_common.cmd import manage
from sovra_identity.cmd import api as identity_api
from sovra_identity.cmd import manage as identity_manage
from sovra_identity.db import DATABASE
from sovra_identity.token import keys


def _conf(tmp_path):
    path = tmp_path / "sovra-identity.conf"
    path.write_text(f"[database]\nconnection = sqlite:///{tmp_path / 'id.db'}\n"
                    f"[fernet_tokens]\nkey_repository = {tmp_path / 'keys'}\n"
                    "max_active_keys = 3\n")
    return str(path)


def _run(conf, *argv):
    return manage.main(["--config-file", conf, "identity", *argv], services=[DATABASE],
                       commands=identity_manage.COMMANDS)


def test_fernet_setup_and_rotate(tmp_path, capsys):
    conf = _conf(tmp_path)
    assert _run(conf, "fernet", "setup") == 0
    assert _run(conf, "fernet", "rotate") == 0
    assert _run(conf, "fernet", "rotate") == 0
    assert sorted(os.listdir(tmp_path / "keys")) == ["0", "2", "3"]
    assert "primary 3" in capsys.readouterr().out


def test_rotate_without_setup_fails_cleanly(tmp_path, capsys):
    assert _run(_conf(tmp_path), "fernet", "rotate") == 1
    assert "fernet setup" in capsys.readouterr().err


def test_bootstrap_needs_a_password(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SOVRA_BOOTSTRAP_PASSWORD", raising=False)
    conf = _conf(tmp_path)
    assert _run(conf, "db", "sync") == 0
    assert _run(conf, "bootstrap") == 1
    assert "--password" in capsys.readouterr().err


def test_api_refuses_to_start_without_keys(tmp_path):
    conf = identity_api.COMPONENT.new_conf()
    sovra_conf.load(conf, "sovra-identity", args=["--config-file", _conf(tmp_path)],
                    config_files=[])
    with pytest.raises(keys.KeyRepositoryError, match="fernet setup"):
        identity_api.COMPONENT.start(conf, process.ProcessResources(conf))


def test_api_component():
    conf = identity_api.COMPONENT.new_conf()
    sovra_conf.load(conf, "sovra-identity", args=[], config_files=[])
    assert identity_api.COMPONENT.default_port == 5000
    assert identity_api.COMPONENT.name == "identity-api"
    assert conf.token.expiration == 3600
