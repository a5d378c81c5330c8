"""Block storage telling compute that attached volumes grew: the events, and
whether a sender is made (the sender itself, compute's external_events:
tests/unit/compute/test_compute_external_events.py)."""

from oslo_config import cfg

from sovra_block import conf as block_conf
from sovra_block.service import compute_events
from sovra_compute import external_events


def test_one_event_per_server():
    assert compute_events.volume_extended_events("v1", ["s2", "s1", "s2"]) == [
        {"name": "volume-extended", "server_uuid": "s1", "tag": "v1"},
        {"name": "volume-extended", "server_uuid": "s2", "tag": "v1"}]


def _conf(**compute_opts):
    conf = cfg.ConfigOpts()
    block_conf.register_opts(conf)
    conf([], default_config_files=[])
    for key, value in compute_opts.items():
        conf.set_override(key, value, group="compute")
    return conf


def test_a_sender_unless_switched_off():
    sender = compute_events.from_conf(_conf())
    assert isinstance(sender, external_events.EventSender)
    sender.close()
    assert compute_events.from_conf(_conf(send_volume_extended=False)) is None
