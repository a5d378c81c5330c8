"""The compute test cloud (compute_cloud) with the network API too: registered in
its identity's catalog (service user ``neutron``) and started in this process,
on the same bus, before any server asks for a network (compute's network clients
log in on first use, so their catalog has it). No network agent runs: nothing
plugs taps, so ports stay DOWN and tests send ``network-vif-plugged`` themselves,
as the network service does when a port turns ACTIVE."""

from __future__ import annotations

import threading

from compute_cloud import SERVICE_PASSWORD, _free_port, _load, start_cloud, wait_for

from sovra_common.cmd import manage
from sovra_identity.cmd import manage as identity_manage
from sovra_identity.db import DATABASE as IDENTITY_DB
from sovra_network.cmd import api as network_api
from sovra_network.db import DATABASE as NETWORK_DB


def start_network_cloud(tmp, *, compute_extra="", **cloud_options):
    """A compute cloud (two fake-driver agents, unless ``cloud_options`` for
    compute_cloud.start_cloud say otherwise) plus the network API; the cloud's
    ``network_url`` is set."""
    cloud = start_cloud(tmp, compute_extra=compute_extra, **cloud_options)
    try:
        port = _free_port()
        network_url = f"http://127.0.0.1:{port}"
        assert manage.main(["--config-file", str(tmp / "sovra-identity.conf"),
                            "identity", "register-service", "--type", "network",
                            "--name", "neutron", "--public-url", network_url,
                            "--user", "neutron", "--password", SERVICE_PASSWORD],
                           services=[IDENTITY_DB],
                           commands=identity_manage.COMMANDS) == 0
        net_file = tmp / "sovra-network.conf"
        net_file.write_text(
            f"[api]\nbind_host = 127.0.0.1\nbind_port = {port}\n"
            f"[database]\nconnection = sqlite:///{tmp / 'network.db'}\n"
            "[auth]\nidentity_interface = public\n"
            "[service_auth]\nauth_type = password\n"
            f"auth_url = {cloud.auth_url}\nusername = neutron\n"
            f"password = {SERVICE_PASSWORD}\nuser_domain_id = default\n"
            "project_name = service\nproject_domain_id = default\n")
        assert manage.main(["--config-file", str(net_file), "network", "db", "sync"],
                           services=[NETWORK_DB], commands=[]) == 0
        conf = _load(network_api.COMPONENT, tmp / "sovra.conf", net_file)
        cloud.running.append(network_api.COMPONENT.start(conf, cloud.resources))
        cloud.network_url = network_url
        return cloud
    except BaseException:
        cloud.stop()
        raise


def send_plugged_when_spawned(cloud, conn, server_id, timeout=30.0):
    """In the background: once the server's guest exists on its node (the build
    waits for its ports by then), POST network-vif-plugged of each of its ports
    to os-server-external-events as the admin, as the network service does when a
    port turns ACTIVE. Returns the thread (join it)."""
    def run():
        wait_for(lambda: any(server_id in d.list_instances()
                             for d in cloud.drivers.values()), timeout=timeout)
        ports = list(conn.network.ports(device_id=server_id))
        events = [{"name": "network-vif-plugged", "server_uuid": server_id,
                   "tag": p.id, "status": "completed"} for p in ports]
        resp = conn.compute.post("/os-server-external-events",
                                 json={"events": events},
                                 microversion="2.51")
        assert resp.status_code == 200, resp.text
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread
