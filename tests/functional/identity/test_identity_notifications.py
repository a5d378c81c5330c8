"""Revocations reach other services' token caches over the bus, in the event types
sovra_common.auth.revocation listens for."""

import threading
import uuid

from sovra_common import auth as common_auth
from sovra_common import rpc
from sovra_common.auth.revocation import RevocationEndpoint


class Recorder:
    def __init__(self):
        self.events = []
        self.arrived = threading.Event()

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        if event_type.startswith("identity."):
            self.events.append((event_type, payload))
            self.arrived.set()


def test_revocations_are_published(identity):
    transport = rpc.build_notification_transport(identity.conf)
    recorder = Recorder()
    cache = common_auth.TokenCache(ttl=300)
    listener = rpc.NotificationListener(transport, [RevocationEndpoint(cache), recorder],
                                        pool=f"test-{uuid.uuid4().hex}").start()
    try:
        token, body = identity.token("admin", identity.admin_password, project="admin")
        info = common_auth.TokenInfo.from_body(body)
        cache.put(token, info)
        assert cache.get(token) is not None
        resp = identity.call("DELETE", "/auth/tokens", headers={"X-Subject-Token": token})
        assert resp.status_code == 204
        assert recorder.arrived.wait(5)
        assert recorder.events[0] == ("identity.token.revoked",
                                      {"audit_id": body["token"]["audit_ids"][0]})
        assert cache.get(token) is None
    finally:
        listener.stop()
        transport.cleanup()
