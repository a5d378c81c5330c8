"""The OpenStack metadata layout: what the config drive holds and the metadata API
serves under ``openstack/<version>/``, built once here for both::

    meta_data.json     uuid, name, hostname, public_keys, meta, zone...
    user_data          the user data, decoded (absent when there is none)
    network_data.json  links, networks, services
    vendor_data.json   {}
    vendor_data2.json  {}

``instance`` is a server as compute's service layer or an agent sees it (uuid, name,
hostname, project_id, key_name, metadata, availability_zone); the key pair's public
key and the (base64) user data are passed beside it, because agents receive them
apart from the instance.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import os
import re

META_DATA, USER_DATA, NETWORK_DATA = "meta_data.json", "user_data", "network_data.json"
VENDOR_DATA, VENDOR_DATA2 = "vendor_data.json", "vendor_data2.json"


class InvalidUserData(ValueError):
    """The user data is not base64 (the API checks it; a stored row may predate it)."""


def hostname(display_name: str) -> str:
    """A DNS label made from a server's name (as the Compute API derives it)."""
    name = re.sub(r"[^a-z0-9-]+", "-", display_name.lower()).strip("-")
    return name[:63].rstrip("-") or "server"


def guest_hostname(instance: dict) -> str:
    """The hostname the guest is told: the one chosen (2.90), else one from its name."""
    return instance.get("hostname") or hostname(instance["name"])


def public_keys(instance: dict, key_data: str | None) -> dict:
    """{key pair name: public key}: the server's key pair, if it has one."""
    return {instance.get("key_name") or "key": key_data} if key_data else {}


def meta_data(instance: dict, key_data: str | None) -> dict:
    keys = public_keys(instance, key_data)
    return {
        "uuid": instance["uuid"],
        "name": instance["name"],
        "hostname": guest_hostname(instance),
        "launch_index": instance.get("launch_index") or 0,
        "availability_zone": instance.get("availability_zone") or "nova",
        "project_id": instance.get("project_id"),
        "meta": dict(instance.get("metadata") or {}),
        "public_keys": keys,
        "keys": [{"name": name, "type": "ssh", "data": data}
                 for name, data in keys.items()],
        "devices": [],
        "random_seed": base64.b64encode(os.urandom(512)).decode(),
    }


def decode_user_data(user_data: str | None) -> bytes | None:
    """The API carries user data base64-encoded; the guest gets the bytes."""
    if not user_data:
        return None
    try:
        return base64.b64decode(user_data, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidUserData("user_data is not valid base64") from None


def network_data_of(network_info: list[dict] | None) -> dict:
    """network_data.json of a server's VIFs (sovra_compute.network_api): a link
    per VIF (its tap, MAC, MTU), a static network per fixed IP (address, netmask,
    default route via the subnet's gateway, its DNS servers), or a DHCP one when
    the subnet was not read; the DNS servers again as services."""
    links, networks, services = [], [], []
    for item in network_info or ():
        links.append({"id": item["devname"], "vif_id": item["port_id"],
                      "type": item.get("vif_type") or "bridge", "mtu": item["mtu"],
                      "ethernet_mac_address": item["mac"]})
        for ip in item["fixed_ips"]:
            version = ip["version"]
            net = {"id": f"network{len(networks)}", "link": item["devname"],
                   "network_id": item["network_id"]}
            if not ip.get("cidr"):
                net["type"] = f"ipv{version}_dhcp"
                networks.append(net)
                continue
            anywhere = "0.0.0.0" if version == 4 else "::"
            prefix = ipaddress.ip_network(ip["cidr"], strict=False).prefixlen
            address = ipaddress.ip_interface(f"{ip['ip_address']}/{prefix}")
            dns = [{"type": "dns", "address": a} for a in ip.get("dns_nameservers") or ()]
            net.update(type=f"ipv{version}", ip_address=ip["ip_address"],
                       netmask=str(address.netmask),
                       routes=[{"network": anywhere, "netmask": anywhere,
                                "gateway": ip["gateway_ip"]}]
                       if ip.get("gateway_ip") else [],
                       services=dns)
            networks.append(net)
            services += [d for d in dns if d not in services]
    return {"links": links, "networks": networks, "services": services}


def openstack_files(instance: dict, *, key_data: str | None = None,
                    user_data: str | None = None,
                    network_data: dict | None = None) -> dict[str, bytes]:
    """{file name: content} of one ``openstack/<version>/`` folder; ``user_data``
    only when the server has user data; network_data.json from ``network_data``,
    else from the instance's VIFs (``network_info``). Raises InvalidUserData."""
    files = {
        META_DATA: json.dumps(meta_data(instance, key_data)).encode(),
        NETWORK_DATA: json.dumps(
            network_data or network_data_of(instance.get("network_info"))).encode(),
        VENDOR_DATA: b"{}",
        VENDOR_DATA2: b"{}",
    }
    data = decode_user_data(user_data)
    if data is not None:
        files[USER_DATA] = data
    return files


# --- what the metadata API adds: dated versions and the EC2-compatible tree ----------

#: the OpenStack tree's dated versions, oldest first, with the files each one adds
#: (``password`` is not served: it needs a POST)
OPENSTACK_VERSIONS = (
    ("2012-08-10", (META_DATA, USER_DATA)),
    ("2013-04-04", ()),
    ("2013-10-17", (VENDOR_DATA,)),
    ("2015-10-15", (NETWORK_DATA,)),
    ("2016-06-30", ()),
    ("2016-10-06", (VENDOR_DATA2,)),
    ("2017-02-22", ()),
    ("2018-08-27", ()),
)
#: the EC2-compatible tree's dated versions (all serve the same tree)
EC2_VERSIONS = ("1.0", "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10",
                "2007-12-15", "2008-02-01", "2008-09-01", "2009-04-04")
LATEST = "latest"


def openstack_file_names(version: str) -> tuple[str, ...] | None:
    """The files ``openstack/<version>/`` holds (None: no such version)."""
    names: list[str] = []
    for dated, added in OPENSTACK_VERSIONS:
        names.extend(added)
        if dated == version:
            return tuple(names)
    return tuple(names) if version == LATEST else None


def fixed_ipv4(instance: dict) -> str | None:
    """The server's first fixed IPv4 address (its VIFs in order), if any."""
    for vif in instance.get("network_info") or ():
        for ip in vif.get("fixed_ips") or ():
            if ip.get("version") == 4:
                return ip["ip_address"]
    return None


def ec2_meta_data(instance: dict, key_data: str | None,
                  local_ipv4: str | None = None) -> dict:
    """The EC2-compatible ``meta-data/`` tree: a dict is a folder, a string a value.
    A folder's ``_name`` is how its parent lists it (``public-keys/`` lists
    ``0=<key name>``, and ``public-keys/0/`` holds ``openssh-key``).
    ``local-ipv4`` is the server's first fixed IPv4 address, else ``local_ipv4``
    (the address the guest asked from, when its VIFs are not known)."""
    host = guest_hostname(instance)
    local_ipv4 = fixed_ipv4(instance) or local_ipv4
    tree = {
        "ami-launch-index": str(instance.get("launch_index") or 0),
        "hostname": host,
        "instance-id": instance["uuid"],
        "instance-type": (instance.get("flavor") or {}).get("name", ""),
        "local-hostname": host,
        "placement": {"availability-zone": instance.get("availability_zone") or "nova"},
    }
    if local_ipv4:
        tree["local-ipv4"] = local_ipv4
    keys = public_keys(instance, key_data)
    if keys:
        tree["public-keys"] = {
            str(index): {"_name": f"{index}={name}", "openssh-key": data}
            for index, (name, data) in enumerate(keys.items())}
    return dict(sorted(tree.items()))
