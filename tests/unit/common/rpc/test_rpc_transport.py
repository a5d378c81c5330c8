"""Transports from a private ConfigOpts; the [messaging] options."""

import logging

from sovra_common import conf as sovra_conf
from sovra_common.conf import messaging as messaging_conf
from sovra_common.rpc import transport as rpc_transport


def test_messaging_options_and_defaults(conf):
    fresh = sovra_conf.new_conf()
    sovra_conf.load(fresh, "sovra-test", config_files=[])
    assert fresh.messaging.transport_url == "sovra-inproc://"
    assert fresh.messaging.notification_transport_url is None
    assert fresh.messaging.notifications_enabled is True
    assert fresh.messaging.rpc_response_timeout == 60
    assert fresh.messaging.version_caps == {}
    [(group, opts)] = messaging_conf.list_opts()
    assert group.name == "messaging"
    assert all(opt.help for opt in opts)


def test_library_options_are_registered_once_and_idempotently(conf):
    rpc_transport.register_library_opts(conf)
    rpc_transport.register_library_opts(conf)
    # the groups oslo.messaging 18.x reads on call() but does not register itself
    assert conf.oslo_messaging_tracing.tracing_enabled is False
    assert conf.oslo_messaging_metrics.metrics_enabled is False
    assert conf.control_exchange == "sovra"


def test_rpc_transport_uses_the_messaging_url(conf, transport):
    assert transport.conf is conf
    assert type(transport._driver).__name__ == "InProcDriver"


def test_notification_transport_defaults_to_the_rpc_bus(conf):
    transport = rpc_transport.build_notification_transport(conf)
    try:
        assert transport._driver._url.virtual_host == \
            conf.messaging.transport_url.rsplit("/", 1)[1]
    finally:
        transport.cleanup()


def test_a_set_default_transport_url_is_reported_as_ignored(conf, caplog):
    rpc_transport.register_library_opts(conf)
    conf.set_override("transport_url", "rabbit://elsewhere:5672/")
    with caplog.at_level(logging.WARNING, logger=rpc_transport.__name__):
        transport = rpc_transport.build_rpc_transport(conf)
    transport.cleanup()
    assert "[DEFAULT] transport_url is set but ignored" in caplog.text
