"""Network API speed (figures, not a test).

    python3 tests/benchmarks/bench_network.py [--ports 300] [--concurrency 20]
                                              [--networks 50] [--servers 40]
                                              [--libvirt N]

One lite-mode process: real identity (tokens, catalog) and the network API on the
in-process bus, SQLite files (the harness of tests/functional/network). Clients speak
HTTP with an admin token, as the CLI or compute would. Prints:

- port create rate and latency (POST /v2.0/ports to 201, p50/p95) on one subnet,
  first from one client after the other, then ``--concurrency`` clients at once
  (every create allocates an address and a MAC: IPAM under contention);
- network + subnet create rate (a network, then a /24 subnet on it, which also
  creates the network's DHCP port), one client;
- with ``--servers N`` (default 40; 0 skips it): a second cloud, compute (API,
  conductor, two fake-driver agents) with the network API, and the time from
  ``POST /servers`` with ``networks: [{uuid}]`` to ACTIVE seen, ``--concurrency``
  clients at once. The build makes and binds the port and waits for
  ``network-vif-plugged``; no data plane runs, so a stand-in for the network agent
  reports the port ACTIVE (``PUT status``, as the agent does once the tap is
  plugged) as soon as the fake driver has the guest, and the network API sends
  the event to compute (batched every ``[compute] send_events_interval``, 0.5 s);
- with ``--libvirt N`` (as root; starts libvirtd unless it runs): N real guests
  (the test image, QEMU TCG) booted at once on the two nodes of
  tests/integration/network/server_lab.py (network namespaces, a network agent
  and a libvirt compute agent each): from ``server create`` to ACTIVE (the agent
  plugged the tap, network-vif-plugged) and to the guest's first DHCP lease (its
  console's ``eth0 address=`` line; DHCP served from n1, over VXLAN for n2).
"""

import argparse
import concurrent.futures
import os
import pathlib
import sys
import tempfile
import threading
import time

import requests

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "functional" / "network"))

sys.path.insert(0, str(HERE.parent / "functional" / "compute"))

from network_cloud import ADMIN_PASSWORD, start_cloud  # noqa: E402


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _admin_token(auth_url, password=ADMIN_PASSWORD):
    resp = requests.post(f"{auth_url}/auth/tokens", timeout=30, json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"name": "Default"}, "password": password}}},
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


class PlugReporter:
    """Stands in for the nodes' network agents: every ``interval`` seconds, reports
    ACTIVE the bound compute ports still DOWN whose server the fake drivers have."""

    def __init__(self, url, headers, drivers, interval=0.02):
        self.url, self.headers, self.drivers = url, headers, drivers
        self.interval = interval
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        with requests.Session() as session:
            session.headers.update(self.headers)
            while not self.stopping.wait(self.interval):
                spawned = {i for d in self.drivers.values() for i in d.list_instances()}
                ports = session.get(f"{self.url}/v2.0/ports", timeout=60,
                                    params={"status": "DOWN"}).json()["ports"]
                for port in ports:
                    if (port["device_owner"].startswith("compute:")
                            and port["binding:host_id"] and port["device_id"] in spawned):
                        session.put(f"{self.url}/v2.0/ports/{port['id']}", timeout=60,
                                    json={"port": {"status": "ACTIVE"}})

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join()


def bench_servers(count, concurrency, poll=0.02):
    """POST /servers on a network to ACTIVE, fake driver; prints the figures."""
    from compute_cloud import ADMIN_PASSWORD as COMPUTE_ADMIN_PASSWORD
    from compute_network_cloud import start_network_cloud

    with tempfile.TemporaryDirectory() as tmp:
        cloud = start_network_cloud(pathlib.Path(tmp), compute_extra=(
            "vif_plugging_timeout = 60\n[quota]\ninstances = -1\ncores = -1\n"
            "ram = -1\n"))
        try:
            token, project_id = _admin_token(cloud.auth_url, COMPUTE_ADMIN_PASSWORD)
            headers = {"X-Auth-Token": token, "OpenStack-API-Version": "compute 2.37"}
            net_url, url = cloud.network_url, cloud.compute_url
            requests.put(f"{net_url}/v2.0/quotas/{project_id}", headers=headers,
                         timeout=30, json={"quota": {"port": -1}}).raise_for_status()
            with requests.Session() as session:
                session.headers.update(headers)
                net, _ = _post(session, f"{net_url}/v2.0/networks", "network",
                               {"name": "bench-servers"})
                _post(session, f"{net_url}/v2.0/subnets", "subnet", {
                    "network_id": net["id"], "ip_version": 4, "cidr": "10.60.0.0/22"})
                requests.post(f"{url}/flavors", headers=headers, timeout=30, json={
                    "flavor": {"name": "m1.tiny", "id": "1", "ram": 64, "vcpus": 1,
                               "disk": 1}}).raise_for_status()
                image = session.post(f"{cloud.image_url}/v2/images", timeout=30, json={
                    "name": "img", "disk_format": "raw",
                    "container_format": "bare"}).json()
                session.put(f"{cloud.image_url}/v2/images/{image['id']}/file",
                            headers={"Content-Type": "application/octet-stream"},
                            data=b"\0" * 512, timeout=30).raise_for_status()

            def boot(session, index):
                start = time.perf_counter()
                resp = session.post(f"{url}/servers", timeout=60, json={"server": {
                    "name": f"bench-{index}", "imageRef": image["id"],
                    "flavorRef": "1", "networks": [{"uuid": net["id"]}]}})
                resp.raise_for_status()
                server_id = resp.json()["server"]["id"]
                while True:
                    status = session.get(f"{url}/servers/{server_id}", timeout=60
                                         ).json()["server"]["status"]
                    if status in ("ACTIVE", "ERROR"):
                        break
                    time.sleep(poll)
                return time.perf_counter() - start, status

            def worker(indexes):
                with requests.Session() as session:
                    session.headers.update(headers)
                    return [boot(session, i) for i in indexes]

            with PlugReporter(net_url, headers, cloud.drivers):
                with requests.Session() as session:  # warm-up: first logins, queries
                    session.headers.update(headers)
                    boot(session, -1)
                chunks = [range(w, count, concurrency) for w in range(concurrency)]
                start = time.perf_counter()
                with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
                    results = [r for chunk in pool.map(worker, chunks) for r in chunk]
                wall = time.perf_counter() - start
        finally:
            cloud.stop()
    times = [t for t, status in results if status == "ACTIVE"]
    errors = len(results) - len(times)
    print(_line(f"server create --network to ACTIVE, fake driver, "
                f"{_clients(concurrency)} ({count} servers, {errors} in ERROR)", count / wall,
                times or [0.0], "servers"))


def bench_libvirt_servers(count):
    """``count`` libvirt guests booted at once on ServerLab's nodes; prints the
    figures."""
    if os.geteuid() != 0:
        print("libvirt servers: skipped (needs root)")
        return
    sys.path.insert(0, str(HERE.parent))  # tests/: the integration harness
    from integration import servers as integration_servers
    from integration.network.server_lab import PREFIX, ServerLab
    from integration.network.tcg_guest import build_image

    daemon = integration_servers.LibvirtDaemon().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            image_path = build_image(pathlib.Path(tmp) / "test-image.qcow2")
            lab = ServerLab(pathlib.Path(tmp) / "lab", daemon.uri)
            try:
                lab.start()
                conn = lab.cloud.connect()
                image = conn.image.create_image(
                    name="test-image", data=image_path.read_bytes(),
                    disk_format="qcow2", container_format="bare")
                flavor = conn.compute.create_flavor(name="bench.tiny", ram=192, vcpus=1,
                                                    disk=1)
                net = lab.admin.create_network(name="bench")
                lab.admin.create_subnet(net["id"], "10.70.0.0/24")
                servers = {}
                for i in range(count):
                    node = ("n1", "n2")[i % 2]
                    created = time.monotonic()
                    server = conn.compute.create_server(
                        name=f"bench-{i}", image_id=image.id, flavor_id=flavor.id,
                        networks=[{"uuid": net["id"]}],
                        availability_zone=f"nova:{lab.lab.host(node)}")
                    servers[f"bench-{i}"] = (server.id, node, created)
                times = lab.boot_times(conn, servers, timeout=600)
                _print_libvirt(count, times, PREFIX)
                for server_id, _, _ in servers.values():
                    conn.compute.delete_server(server_id)
                deadline = time.monotonic() + 120
                while any(conn.compute.find_server(server_id) is not None
                          for server_id, _, _ in servers.values()):
                    if time.monotonic() > deadline:
                        raise RuntimeError("servers not deleted within 120 s")
                    time.sleep(0.5)
                conn.close()
            finally:
                lab.close()
    finally:
        daemon.stop()


def _print_libvirt(count, times, prefix):
    active = [a for a, _ in times.values()]
    lease = [t for _, t in times.values()]
    print(f"libvirt TCG, {count} servers at once on 2 nodes: server create to ACTIVE "
          f"p50 {_pct(active, .5):.1f} s, p95 {_pct(active, .95):.1f} s; to the "
          f"guest's first DHCP lease ({prefix.strip()} eth0 address=) p50 "
          f"{_pct(lease, .5):.1f} s, p95 {_pct(lease, .95):.1f} s")


def _clients(n):
    return f"{n} client" + ("s" if n != 1 else "")


def _line(what, rate, times, unit):
    return (f"{what}: {rate:.1f} {unit}/s, p50 {_pct(times, .5) * 1000:.0f} ms, "
            f"p95 {_pct(times, .95) * 1000:.0f} ms")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ports", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--networks", type=int, default=50)
    parser.add_argument("--servers", type=int, default=40)
    parser.add_argument("--libvirt", type=int, default=0, metavar="N")
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
            print(_line(f"port create, {_clients(args.concurrency)} ({args.ports} ports, "
                        f"same subnet)", rate, times, "ports"))
            rate, times = bench_networks(url, headers, args.networks)
            print(_line(f"network + /24 subnet create, 1 client ({args.networks} "
                        f"pairs)", rate, times, "pairs"))
        finally:
            cloud.stop()
    if args.servers:
        bench_servers(args.servers, args.concurrency)
    if args.libvirt:
        bench_libvirt_servers(args.libvirt)


if __name__ == "__main__":
    main()
