"""The conductor's claim when placement's answer does not come in time: the write
may have landed or not, and the claim reads the consumer back to know (a real
placement; the lost answer is the client raising the timeout keystoneauth raises)."""

import uuid

import openstack  # noqa: F401 (its warnings are named below)
import pytest
from keystoneauth1 import exceptions as ks_exceptions

from sovra_compute import placement_client

pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]


class LostAnswer(placement_client.PlacementClient):
    """A client whose PUT times out: after the request went through (``sent``)
    or before it left (not sent)."""

    def __init__(self, *args, sent: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.sent = sent

    def _request(self, method, path, **kwargs):
        if method == "PUT":
            if self.sent:
                super()._request(method, path, **kwargs)
            raise ks_exceptions.ConnectTimeout("read timed out")
        return super()._request(method, path, **kwargs)


def _claim_on_node1():
    return {placement_client.node_uuid("node1"): {"resources": {"VCPU": 1,
                                                                "MEMORY_MB": 64}}}


@pytest.mark.parametrize("sent", [True, False], ids=["landed", "not-sent"])
def test_claim_whose_answer_is_lost_reads_the_consumer_back(conn, sent):
    client = LostAnswer(conn.session, interface="public", sent=sent)
    plain = placement_client.PlacementClient(conn.session, interface="public")
    consumer = str(uuid.uuid4())
    wanted = _claim_on_node1()
    try:
        if sent:  # the write landed: the claim is made, not refused nor doubled
            client.claim(consumer, wanted, "p", "u")
            held = plain.allocations(consumer)
            assert {rp: a["resources"] for rp, a in held.items()} == \
                {rp: a["resources"] for rp, a in wanted.items()}
        else:  # nothing landed: refused like a 409, so the next candidate is tried
            with pytest.raises(placement_client.ClaimConflict):
                client.claim(consumer, wanted, "p", "u")
            assert plain.allocations(consumer) == {}
    finally:
        plain.release(consumer)
    assert plain.allocations(consumer) == {}
