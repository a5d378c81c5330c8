"""``sovra-inproc://``: the lite-mode bus, delivering inside one process, no broker.

oslo.messaging's ``fake://`` driver polls its queues every 50 ms, so every call costs
about 50 ms. Here the sender's thread hands each message straight to a listening
server (whose executor runs it on a worker thread) and the caller sleeps on a
condition variable until the reply arrives: nothing polls, nothing sleeps.

It behaves like a broker (RabbitMQ through oslo.messaging's rabbit driver), so that
lite mode runs the same code path as full mode:

- bodies are JSON-encoded by the sender and decoded for each receiver: a value that
  could not cross a real bus fails here too, and no object is shared between sender
  and receiver;
- a remote exception travels in oslo.messaging's wire format and is rebuilt on the
  caller only when its module is in the transport's ``allowed_remote_exmods``;
- a call that no server answers fails with MessagingTimeout after its timeout;
- queues are like the rabbit driver's: one per topic (its servers take turns), one
  per ``topic.server``, one per server for fanout (gone with its server), and one
  per notification topic and pool. Topic, server and notification queues outlive
  their consumers and keep messages until one comes back (up to MAX_BACKLOG each;
  the oldest are dropped beyond that). A notification is kept even before anyone
  listens (store and forward); an RPC message to a topic no server ever listened on
  is dropped, as a broker drops an unroutable message.

Each virtual host is a separate bus: ``sovra-inproc://`` and ``sovra-inproc:///t1``
do not see each other (tests use this for isolation). A bus lives while at least
one transport on it has not been cleaned up. The bus registry is the one
module-global here, and it has to be: oslo.messaging builds each driver from
(conf, url) alone, and every transport of the process must reach the same bus.

Limits: batch listeners get batches of one message (there is no round trip to
amortise); ``retry`` and ``transport_options`` are accepted and ignored (delivery
cannot fail).
"""

import collections
import logging
import threading
import time

import oslo_messaging
from oslo_messaging._drivers import base
from oslo_messaging._drivers import common as wire
from oslo_serialization import jsonutils

LOG = logging.getLogger(__name__)

MAX_BACKLOG = 10_000

_BUSES: dict[str, "_Bus"] = {}
_BUSES_LOCK = threading.Lock()


class _ReplySlot:
    """Where the reply to one call lands; the caller waits on it."""

    def __init__(self):
        self._cond = threading.Condition(threading.Lock())
        self._reply = None  # (result_json, failure_json) once answered
        self._heartbeats = 0

    def put(self, result_json, failure_json):
        with self._cond:
            if self._reply is None:  # at most once
                self._reply = (result_json, failure_json)
                self._cond.notify_all()

    def heartbeat(self):
        with self._cond:
            self._heartbeats += 1
            self._cond.notify_all()

    def wait(self, timeout, monitor_timeout):
        """The reply, or None once ``timeout`` has passed (or ``monitor_timeout``
        without a heartbeat from the server)."""
        now = time.monotonic()
        deadline = None if timeout is None else now + timeout
        monitor_deadline = None if not monitor_timeout else now + monitor_timeout
        with self._cond:
            seen = self._heartbeats
            while self._reply is None:
                now = time.monotonic()
                if self._heartbeats != seen:
                    seen = self._heartbeats
                    monitor_deadline = now + monitor_timeout
                ends = [d for d in (deadline, monitor_deadline) if d is not None]
                if not ends:
                    self._cond.wait()
                    continue
                remaining = min(ends) - now
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)
            return self._reply


class _Envelope:
    """One message as it sits in a queue: its encoded body and where to reply."""

    __slots__ = ("body", "reply_slot", "client_timeout")

    def __init__(self, body, reply_slot=None, client_timeout=None):
        self.body = body
        self.reply_slot = reply_slot
        self.client_timeout = client_timeout


class _Queue:
    __slots__ = ("name", "backlog", "consumers", "alive", "overflowing", "_turn")

    def __init__(self, name):
        self.name = name
        self.backlog = collections.deque()
        self.consumers = []
        self.alive = True  # False once an ephemeral (fanout) queue is deleted
        self.overflowing = False  # dropping old messages; warned once
        self._turn = 0

    def next_consumer(self):
        if not self.consumers:
            return None
        self._turn = (self._turn + 1) % len(self.consumers)
        return self.consumers[self._turn]


class _Incoming(base.RpcIncomingMessage):

    def __init__(self, bus, queue, envelope):
        ctxt, message = jsonutils.loads(envelope.body)
        super().__init__(ctxt, message)
        self.client_timeout = envelope.client_timeout
        self._bus = bus
        self._queue = queue
        self._envelope = envelope

    def reply(self, reply=None, failure=None):
        slot = self._envelope.reply_slot
        if slot is None:
            return
        if failure is not None:
            slot.put(None, wire.serialize_remote_exception(failure))
            return
        try:
            result_json = jsonutils.dumps(reply)
        except (TypeError, ValueError) as exc:
            # A broker would fail the same way; tell the caller now rather than let
            # it wait for its timeout.
            LOG.error("Reply to %s is not JSON-serialisable: %s",
                      self.message.get("method"), exc)
            slot.put(None, wire.serialize_remote_exception((type(exc), exc, None)))
            return
        slot.put(result_json, None)

    def heartbeat(self):
        if self._envelope.reply_slot is not None:
            self._envelope.reply_slot.heartbeat()

    def requeue(self):
        self._bus.requeue(self._queue, self._envelope)


class _Listener(base.Listener):
    """Consumes from a set of queues; the bus pushes messages to its callback."""

    def __init__(self, bus, queues, ephemeral, batch_size, batch_timeout):
        super().__init__(batch_size, batch_timeout)
        self._bus = bus
        self.queues = queues
        self.ephemeral = ephemeral  # queues that go away with this listener

    def start(self, on_incoming_callback):
        super().start(on_incoming_callback)
        self._bus.attach(self)

    def deliver(self, queue, envelope):
        """Hand one message to the server; called with the bus lock held."""
        try:
            self.on_incoming_callback([_Incoming(self._bus, queue, envelope)])
        except Exception:
            LOG.exception("In-process listener on %s failed to take a message",
                          queue.name)

    def stop(self):
        self._bus.detach(self)
        super().stop()

    def cleanup(self):
        self._bus.detach(self)


class _Bus:
    """All queues of one virtual host. One lock guards them; consumers' callbacks
    run under it and only enqueue work (a server executor's submit)."""

    def __init__(self, name):
        self.name = name
        self.users = 0
        self._lock = threading.Lock()
        self._queues: dict[tuple, _Queue] = {}
        self._fanout: dict[tuple, list[_Queue]] = collections.defaultdict(list)
        self._pools: dict[tuple, dict] = collections.defaultdict(dict)

    def _queue(self, key):
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = _Queue(".".join(str(k) for k in key[1:]))
        return queue

    def _put(self, queue, envelope):
        consumer = queue.next_consumer()
        if consumer is not None:
            consumer.deliver(queue, envelope)
            return
        if len(queue.backlog) >= MAX_BACKLOG:
            queue.backlog.popleft()
            if not queue.overflowing:
                queue.overflowing = True
                LOG.warning("In-process queue %s holds %d messages nobody consumes: "
                            "dropping the oldest", queue.name, MAX_BACKLOG)
        queue.backlog.append(envelope)

    # -- RPC
    def subscribe_rpc(self, exchange, topic, server, batch_size, batch_timeout):
        with self._lock:
            fanout = _Queue(f"{exchange}.{topic}_fanout")
            self._fanout[(exchange, topic)].append(fanout)
            queues = [self._queue(("topic", exchange, topic)),
                      self._queue(("server", exchange, topic, server)), fanout]
        return _Listener(self, queues, [fanout], batch_size, batch_timeout)

    def send_rpc(self, exchange, topic, server, fanout, envelope):
        with self._lock:
            if fanout:
                queues = list(self._fanout.get((exchange, topic), ()))
            else:
                key = (("server", exchange, topic, server) if server
                       else ("topic", exchange, topic))
                queues = [self._queues[key]] if key in self._queues else []
            if not queues:
                LOG.debug("No queue for %s on exchange %s: message dropped",
                          topic if not server else f"{topic}.{server}", exchange)
            for queue in queues:
                self._put(queue, envelope)

    # -- notifications
    def subscribe_notifications(self, addresses, pool, batch_size, batch_timeout):
        """``addresses``: (exchange, "topic.priority") pairs."""
        with self._lock:
            queues = []
            for exchange, topic in addresses:
                queue = self._queue(("notify", exchange, topic, pool))
                self._pools[(exchange, topic)][pool] = queue
                queues.append(queue)
        return _Listener(self, queues, [], batch_size, batch_timeout)

    def send_notification(self, exchange, topic, envelope):
        with self._lock:
            pools = self._pools[(exchange, topic)]
            if None not in pools:  # the default queue exists from the first send on
                pools[None] = self._queue(("notify", exchange, topic, None))
            for queue in pools.values():
                self._put(queue, envelope)

    # -- consumers
    def attach(self, listener):
        with self._lock:
            for queue in listener.queues:
                queue.consumers.append(listener)
                queue.overflowing = False
                while queue.backlog:
                    self._put(queue, queue.backlog.popleft())

    def detach(self, listener):
        with self._lock:
            for queue in listener.queues:
                if listener in queue.consumers:
                    queue.consumers.remove(listener)
            for queue in listener.ephemeral:
                queue.alive = False
                for queues in self._fanout.values():
                    if queue in queues:
                        queues.remove(queue)
            listener.ephemeral = []

    def requeue(self, queue, envelope):
        with self._lock:
            if queue.alive:
                self._put(queue, envelope)


def _acquire_bus(name):
    with _BUSES_LOCK:
        bus = _BUSES.get(name)
        if bus is None:
            bus = _BUSES[name] = _Bus(name)
        bus.users += 1
        return bus


def _release_bus(bus):
    with _BUSES_LOCK:
        bus.users -= 1
        if bus.users <= 0 and _BUSES.get(bus.name) is bus:
            del _BUSES[bus.name]


class InProcDriver(base.BaseDriver):
    """oslo.messaging driver for ``sovra-inproc://[/virtual_host]``."""

    def __init__(self, conf, url, default_exchange=None, allowed_remote_exmods=None):
        super().__init__(conf, url, default_exchange, allowed_remote_exmods)
        self._bus = _acquire_bus(url.virtual_host or "")
        self._released = False
        self._release_lock = threading.Lock()

    def require_features(self, requeue=False):
        """Requeue is supported."""

    def _exchange(self, target):
        return target.exchange or self._default_exchange

    def send(self, target, ctxt, message, wait_for_reply=None, timeout=None,
             call_monitor_timeout=None, retry=None, transport_options=None):
        body = jsonutils.dumps([ctxt, message])
        slot = _ReplySlot() if wait_for_reply else None
        envelope = _Envelope(body, slot, call_monitor_timeout if slot else None)
        self._bus.send_rpc(self._exchange(target), target.topic, target.server,
                           target.fanout, envelope)
        if slot is None:
            return None
        reply = slot.wait(timeout, call_monitor_timeout)
        if reply is None:
            where = target.topic + (f".{target.server}" if target.server else "")
            raise oslo_messaging.MessagingTimeout(
                f"No reply within {timeout} s to {message.get('method')!r} on {where}")
        result_json, failure_json = reply
        if failure_json is not None:
            raise wire.deserialize_remote_exception(failure_json,
                                                    self._allowed_remote_exmods)
        return jsonutils.loads(result_json)

    def send_notification(self, target, ctxt, message, version, retry=None):
        body = jsonutils.dumps([ctxt, message])
        self._bus.send_notification(self._exchange(target), target.topic,
                                    _Envelope(body))

    def listen(self, target, batch_size, batch_timeout):
        return self._bus.subscribe_rpc(self._exchange(target), target.topic,
                                       target.server, batch_size, batch_timeout)

    def listen_for_notifications(self, targets_and_priorities, pool, batch_size,
                                 batch_timeout):
        addresses = [(self._exchange(target), f"{target.topic}.{priority}")
                     for target, priority in targets_and_priorities]
        return self._bus.subscribe_notifications(addresses, pool, batch_size,
                                                 batch_timeout)

    def cleanup(self):
        with self._release_lock:
            if self._released:
                return
            self._released = True
        _release_bus(self._bus)
