"""Network API speed (figures, not a test).

    python3 tests/benchmarks/bench_network.py [--ports 300] [--concurrency 20]
                                              [--networks 50]

One lite-mode process: real identity (tokens, catalog) and the network API on the
in-process bus, SQLite files (the harness of tests/functional/network). Clients speak
HTTP with an admin token, as the CLI or compute would. Prints:

- port create rate and latency (POST /v2.0/ports to 201, p50/p95) on one subnet,
  first from one client after the other, then ``--concurrency`` clients at once
  (every create allocates an address and a MAC: IPAM under contention);
- network + subnet create rate (a network, then a /24 subnet on it, which also
  creates the network's DHCP port), one client.
"""

import argparse
import concurrent.futures
import pathlib
import sys
import tempfile
import time

import requests

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "functional" / "network"))

from network_cloud import ADMIN_PASSWORD, start_cloud  # noqa: E402


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _admin_token(auth_url):
    resp = requests.post(f"{auth_url}/auth/tokens", timeout=30, json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"name": "Default"}, "password": ADMIN_PASSWORD}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}})
    resp.raise_for_status()
    return resp.headers["X-Subject-Token"], resp.json()["token"]["project"]["id"]


def _post(session, url, key, body):
    start = time.perf_counter()
    resp = session.post(url, json={key: body}, timeout=120)
    took = time.perf_counter() - start
    if resp.status_code != 201:
        raise RuntimeError(f"POST {url}: {resp.status_code} {resp.text[:300]}")
    return resp.json()[key], took


def bench_ports(url, headers, network_id, count, concurrency):
    """``count`` port creates by ``concurrency`` clients; returns (rate, latencies)."""
    def worker(n):
        with requests.Session() as session:
            session.headers.update(headers)
            return [_post(session, f"{url}/v2.0/ports", "port",
                          {"network_id": network_id})[1] for _ in range(n)]
    shares = [count // concurrency + (1 if i < count % concurrency else 0)
              for i in range(concurrency)]
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        times = [t for chunk in pool.map(worker, shares) for t in chunk]
    wall = time.perf_counter() - start
    return count / wall, times


def bench_networks(url, headers, count):
    times = []
    with requests.Session() as session:
        session.headers.update(headers)
        start = time.perf_counter()
        for i in range(count):
            net, t1 = _post(session, f"{url}/v2.0/networks", "network",
                            {"name": f"bench-net-{i}"})
            _, t2 = _post(session, f"{url}/v2.0/subnets", "subnet", {
                "network_id": net["id"], "ip_version": 4,
                "cidr": f"10.{100 + i // 256}.{i % 256}.0/24"})
            times.append(t1 + t2)
        wall = time.perf_counter() - start
    return count / wall, times


def _line(what, rate, times, unit):
    return (f"{what}: {rate:.1f} {unit}/s, p50 {_pct(times, .5) * 1000:.0f} ms, "
            f"p95 {_pct(times, .95) * 1000:.0f} ms")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ports", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--networks", type=int, default=50)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        cloud = start_cloud(pathlib.Path(tmp))
        try:
            token, project_id = _admin_token(cloud.auth_url)
            headers = {"X-Auth-Token": token}
            url = cloud.network_url
            requests.put(f"{url}/v2.0/quotas/{project_id}", headers=headers, timeout=30,
                         json={"quota": {"port": -1, "network": -1, "subnet": -1}}
                         ).raise_for_status()
            with requests.Session() as session:
                session.headers.update(headers)
                net, _ = _post(session, f"{url}/v2.0/networks", "network",
                               {"name": "bench-ports"})
                # a /20: room for every port of both runs
                _post(session, f"{url}/v2.0/subnets", "subnet", {
                    "network_id": net["id"], "ip_version": 4, "cidr": "10.50.0.0/20"})
                _post(session, f"{url}/v2.0/ports", "port",
                      {"network_id": net["id"]})  # warm-up: token cache, first queries
            rate, times = bench_ports(url, headers, net["id"], args.ports, 1)
            print(_line(f"port create, 1 client ({args.ports} ports, one subnet)",
                        rate, times, "ports"))
            rate, times = bench_ports(url, headers, net["id"], args.ports,
                                      args.concurrency)
            print(_line(f"port create, {args.concurrency} clients ({args.ports} ports, "
                        f"same subnet)", rate, times, "ports"))
            rate, times = bench_networks(url, headers, args.networks)
            print(_line(f"network + /24 subnet create, 1 client ({args.networks} "
                        f"pairs)", rate, times, "pairs"))
        finally:
            cloud.stop()


if __name__ == "__main__":
    main()
