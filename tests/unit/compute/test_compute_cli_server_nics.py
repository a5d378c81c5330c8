"""``sovra server create``'s NIC options: --network, --port, --nic and --no-network
parsed (in order) into what create sends as ``networks``; the combinations the
API cannot take are usage errors (argparse exits 2)."""

import argparse

import pytest

from sovra_compute.cli import server_options


def _parser():
    parser = argparse.ArgumentParser(prog="sovra server create", exit_on_error=False)
    parser.add_argument("--network", dest="nics", action=server_options.NicAction,
                        kind="network", default=[])
    parser.add_argument("--port", dest="nics", action=server_options.NicAction, kind="port")
    parser.add_argument("--nic", dest="nics", action=server_options.NicAction, kind="nic")
    parser.add_argument("--no-network", dest="nics", action=server_options.NicAction,
                        kind="none", nargs=0)
    return parser


def _nics(*argv):
    return _parser().parse_args(list(argv)).nics


def test_options_keep_their_order():
    assert _nics() == []
    assert _nics("--network", "a", "--port", "p", "--nic",
                 "net-id=b,v4-fixed-ip=10.0.0.5", "--nic", "port-id=q") == [
        {"network": "a"}, {"port": "p"}, {"net-id": "b", "v4-fixed-ip": "10.0.0.5"},
        {"port-id": "q"}]
    assert _nics("--nic", "none") == ["none"]
    assert _nics("--nic", "auto") == ["auto"]
    assert _nics("--no-network") == ["none"]


def test_networks_without_lookups():
    # no options: auto; none/auto as they are (no network service asked)
    assert server_options.networks(None, []) == "auto"
    assert server_options.networks(None, ["none"]) == "none"
    assert server_options.networks(None, ["auto"]) == "auto"


@pytest.mark.parametrize("argv", [
    ["--nic", "auto", "--network", "a"],
    ["--network", "a", "--nic", "none"],
    ["--no-network", "--port", "p"],
    ["--nic", "none", "--nic", "auto"],
    ["--nic", "net-id=a,port-id=b"],
    ["--nic", "v4-fixed-ip=10.0.0.1"],
    ["--nic", "port-id=p,v4-fixed-ip=10.0.0.1"],
    ["--nic", "net-id=a,v4-fixed-ip=10.0.0.1,v6-fixed-ip=fd00::1"],
    ["--nic", "net-id=a,tag=x"],
    ["--nic", "net-id="],
    ["--nic", "bogus"],
])
def test_combinations_the_api_cannot_take_are_usage_errors(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        _nics(*argv)
    assert exc.value.code == 2
    assert "error: " in capsys.readouterr().err
