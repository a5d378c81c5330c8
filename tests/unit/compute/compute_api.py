"""What the compute API's unit tests share: an app over the Flask test client
(noauth, in-memory database, recording RPC clients), fake image and placement
clients, callers, and helpers that make a flavor or boot a server."""

from keystoneauth1 import exceptions as ks_exc

from sovra_common import conf as sovra_conf
from sovra_common import exception
from sovra_common.wsgi import deploy
from sovra_compute import conf as compute_conf
from sovra_compute.api import app as compute_app
from sovra_compute.service import instance as instance_service

ADMIN = {"X-Auth-Token": "admin"}
ALICE = {"X-Auth-Token": "alice:proj-a"}
BOB = {"X-Auth-Token": "bob:proj-b"}
PUBLIC_KEY = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOlbC8ZzXkzAY3JzTtqpg3v7a3gkvYrV5"
              "5m4U1H2e1cz test@sovra")


class FakeImages:
    def __init__(self):
        self.images = {"img-1": {"id": "img-1", "status": "active"},
                       "queued": {"id": "queued", "status": "queued"},
                       "img-props": {"id": "img-props", "status": "active",
                                     "hw_disk_bus": "virtio", "os_distro": "debian",
                                     "os_hash_value": "ab12", "purpose": "tests"}}

    def __call__(self, context):
        return self

    def get_image(self, image_id):
        if image_id not in self.images:
            raise exception.NotFound("no image")
        return self.images[image_id]


class FakeVolumes:
    """Block storage as the API sees it: volumes by project, attachments made
    (reserved) and deleted."""

    def __init__(self):
        self.volumes = {}
        self.attachments = {}
        self.fail_reserve = False

    def __call__(self, context):
        self.project, self.admin = context.project_id, context.is_admin
        return self

    def add(self, volume_id, project="proj-a", status="available", **extra):
        self.volumes[volume_id] = {"id": volume_id, "status": status,
                                   "project": project, **extra}
        return volume_id

    def get_volume(self, volume_id):
        volume = self.volumes.get(volume_id)
        if volume is None or (volume["project"] != self.project and not self.admin):
            raise ks_exc.NotFound(message=f"Volume {volume_id} could not be found.")
        return volume

    def create_attachment(self, volume_id, instance_uuid):
        if self.fail_reserve:
            raise ks_exc.BadRequest(message="Invalid volume: injected")
        attachment_id = f"att-{len(self.attachments) + 1}"
        self.attachments[attachment_id] = (volume_id, instance_uuid)
        self.volumes[volume_id]["status"] = "reserved"
        return {"id": attachment_id}

    def delete_attachment(self, attachment_id):
        volume_id, _ = self.attachments.pop(attachment_id)
        self.volumes[volume_id]["status"] = "available"


class FakeNetworks:
    """The network API as the compute API sees it: networks and ports by
    project (a shared network is everyone's)."""

    def __init__(self):
        self.networks, self.ports = {}, {}

    def __call__(self, context):
        self.project, self.admin = context.project_id, context.is_admin
        return self

    def _visible(self, item):
        return self.admin or item["project_id"] == self.project or item.get("shared")

    def add_network(self, network_id, project="proj-a", subnets=("sub-1",), **extra):
        self.networks[network_id] = {"id": network_id, "project_id": project,
                                     "subnets": list(subnets), "name": network_id,
                                     **extra}
        return network_id

    def add_port(self, port_id, network_id, project="proj-a", device_id="",
                 addresses=()):
        self.ports[port_id] = {"id": port_id, "network_id": network_id,
                               "project_id": project, "device_id": device_id,
                               "fixed_ips": [{"ip_address": a} for a in addresses]}
        return port_id

    def list_ports(self, network_id, fixed_ips):
        key, _, address = fixed_ips.partition("=")
        assert key == "ip_address"
        return [p for p in self.ports.values()
                if self._visible(p) and p["network_id"] == network_id and
                address in [ip["ip_address"] for ip in p["fixed_ips"]]]

    def list_networks(self):
        return [n for n in self.networks.values() if self._visible(n)]

    def get_network(self, network_id):
        network = self.networks.get(network_id)
        if network is None or not self._visible(network):
            raise ks_exc.NotFound(message=f"Network {network_id} could not be found.")
        return network

    def get_port(self, port_id):
        port = self.ports.get(port_id)
        if port is None or not self._visible(port):
            raise ks_exc.NotFound(message=f"Port {port_id} could not be found.")
        return port


class FakePlacement:
    def provider_usage(self, rp_uuid):
        return {"inventories": {"VCPU": {"total": 8}, "MEMORY_MB": {"total": 4096},
                                "DISK_GB": {"total": 100}},
                "usages": {"VCPU": 2, "MEMORY_MB": 1024, "DISK_GB": 2}}


def build_api(db, coordinator, recorder):
    """A test client of the compute app; ``.extras`` and ``.coordinator`` too.
    Close it with ``close_api``."""
    conf = sovra_conf.new_conf()
    compute_conf.register_opts(conf)
    conf([], project="sovra", default_config_files=[])
    conf.set_override("strategy", "noauth", group="auth")
    app = compute_app.create_app(conf, database=db, coordinator=coordinator,
                                 images=FakeImages(), placement=lambda: FakePlacement(),
                                 volumes=FakeVolumes(), networks=FakeNetworks())
    extras = app.extensions["sovra"].extras
    extras["conductor"], extras["agents"] = recorder(), recorder()
    deploy.install_middleware(app, conf)
    client = app.test_client()
    client.app_under_test = app
    client.extras = extras
    client.coordinator = coordinator
    return client


def close_api(client):
    compute_app.close(client.app_under_test)


def at(headers, version):
    """``headers`` asking for compute microversion ``version``."""
    return {**headers, "OpenStack-API-Version": f"compute {version}"}


def create_flavor(api, **extra):
    body = {"name": "m1.tiny", "ram": 512, "vcpus": 1, "disk": 1, "id": "1", **extra}
    resp = api.post("/v2.1/flavors", json={"flavor": body}, headers=ADMIN)
    assert resp.status_code == 200, resp.json
    return resp.json["flavor"]


def boot(api, headers=ALICE, version="2.37", **extra):
    body = {"name": "vm", "imageRef": "img-1", "flavorRef": "1", "networks": "none",
            **extra}
    return api.post("/v2.1/servers", json={"server": body},
                    headers=at(headers, version))


def boot_active(api, db, headers=ALICE, version="2.37", host="node1", **extra):
    """A server booted and made ACTIVE on ``host`` (as the conductor would)."""
    resp = boot(api, headers, version, **extra)
    assert resp.status_code == 202, resp.json
    server_id = resp.json["server"]["id"]
    instance_service.update(db, server_id, host=host, node=host, vm_state="active",
                            task_state=None, power_state=1)
    return server_id
