"""RPC speed per transport: call latency and cast throughput (figures, not a test).

    python3 tests/benchmarks/bench_rpc.py [--calls N] [--casts N] [--rabbit-url URL]

Measures, through sovra_common.rpc (RPCAPI -> RPCServer, a Sovra RequestContext
carried on every message):

- call latency: sequential calls from one thread, each waiting for its reply;
  median and p99;
- cast throughput: casts sent back to back from one thread, counted until the
  server has handled the last one (messages/s).

Transports: oslo.messaging's ``fake://``, Sovra's ``sovra-inproc://``, and RabbitMQ
when a URL is given (``--rabbit-url`` or $SOVRA_BENCH_RABBIT_URL).
"""

import argparse
import os
import statistics
import threading
import time
import uuid
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # eventlet's deprecation warning on import
    import oslo_messaging

    from sovra_common import conf as sovra_conf
    from sovra_common import context as sovra_context
    from sovra_common import rpc


class BenchEndpoint(rpc.RPCEndpoint):
    target = oslo_messaging.Target(version="1.0")

    def __init__(self, expected_casts):
        self.casts = 0
        self.expected_casts = expected_casts
        self.all_cast = threading.Event()
        self._lock = threading.Lock()

    def echo(self, ctxt, value):
        return value

    def count(self, ctxt, value):
        with self._lock:
            self.casts += 1
            if self.casts == self.expected_casts:
                self.all_cast.set()


class BenchAPI(rpc.RPCAPI):
    """1.0 - Initial version."""

    TOPIC = "bench"
    VERSION = "1.0"


def _percentile(sorted_values, fraction):
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * fraction))]


def bench(url, calls, casts):
    """{'median_ms', 'p99_ms', 'casts_per_s'} for one transport URL."""
    conf = sovra_conf.new_conf()
    sovra_conf.load(conf, "sovra-bench", config_files=[])
    conf.set_override("transport_url", url, group="messaging")
    serializer = rpc.RequestContextSerializer(
        context_factory=sovra_context.RequestContext.from_dict)
    transport = rpc.build_rpc_transport(conf)
    topic = f"bench-{uuid.uuid4().hex[:8]}"
    endpoint = BenchEndpoint(casts)
    server = rpc.RPCServer(transport, topic, "bench-host", [endpoint],
                           serializer=serializer)
    api_cls = type("BenchAPI", (BenchAPI,), {"TOPIC": topic})
    api = api_cls(transport, serializer=serializer)
    ctxt = sovra_context.RequestContext(user_id="u1", project_id="p1",
                                        roles=["member"])
    payload = {"id": str(uuid.uuid4()), "name": "bench", "size": 1, "tags": ["a", "b"]}
    try:
        server.start()
        call = api.prepare("1.0")
        for _ in range(min(10, calls)):  # warm up: connections, threads
            call.call(ctxt, "echo", value=payload)
        latencies = []
        for _ in range(calls):
            started = time.perf_counter()
            call.call(ctxt, "echo", value=payload)
            latencies.append(time.perf_counter() - started)
        latencies.sort()

        started = time.perf_counter()
        for _ in range(casts):
            call.cast(ctxt, "count", value=payload)
        if not endpoint.all_cast.wait(120):
            raise RuntimeError(f"only {endpoint.casts} of {casts} casts arrived")
        cast_seconds = time.perf_counter() - started
    finally:
        server.stop()
        transport.cleanup()
    return {"median_ms": statistics.median(latencies) * 1e3,
            "p99_ms": _percentile(latencies, 0.99) * 1e3,
            "casts_per_s": casts / cast_seconds}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2000,
                        help="calls per transport (fake:// does at most 100: "
                             "~50 ms each)")
    parser.add_argument("--casts", type=int, default=5000)
    parser.add_argument("--rabbit-url", default=os.environ.get("SOVRA_BENCH_RABBIT_URL"))
    args = parser.parse_args(argv)

    runs = [("fake://", "fake://", min(args.calls, 100)),
            ("sovra-inproc://", f"sovra-inproc:///bench-{uuid.uuid4().hex}", args.calls)]
    if args.rabbit_url:
        runs.append(("rabbit://", args.rabbit_url, args.calls))

    print(f"{'transport':<16} {'calls':>6} {'median ms':>10} {'p99 ms':>8} "
          f"{'casts':>6} {'casts/s':>9}")
    for label, url, calls in runs:
        result = bench(url, calls, args.casts)
        print(f"{label:<16} {calls:>6} {result['median_ms']:>10.3f} "
              f"{result['p99_ms']:>8.3f} {args.casts:>6} {result['casts_per_s']:>9.0f}",
              flush=True)


if __name__ == "__main__":
    main()
