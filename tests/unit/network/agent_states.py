"""API-shaped dicts for the network agent's unit tests (what GET /v2.0/<x> returns)."""

NET = "11111111-2222-3333-4444-555555555555"
NET2 = "99999999-2222-3333-4444-555555555555"
SUB4 = "44444444-0000-0000-0000-000000000004"
SUB6 = "66666666-0000-0000-0000-000000000006"
SG = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
SG_WEB = "bbbbbbbb-bbbb-cccc-dddd-eeeeeeeeeeee"


def network(net_id=NET, vni=7, **extra):
    return {"id": net_id, "provider:network_type": "vxlan",
            "provider:segmentation_id": vni, "mtu": 1450, **extra}


def subnet(sub_id=SUB4, net_id=NET, cidr="10.0.0.0/24", **extra):
    version = 6 if ":" in cidr else 4
    gateway = "10.0.0.1" if version == 4 else "fd00::1"
    return {"id": sub_id, "network_id": net_id, "cidr": cidr, "ip_version": version,
            "gateway_ip": gateway, "enable_dhcp": True, **extra}


def port(port_id, ip, host="", net_id=NET, sub_id=SUB4, mac=None, **extra):
    mac = mac or "fa:16:3e:00:00:" + port_id[-2:]
    return {"id": port_id, "network_id": net_id, "mac_address": mac,
            "fixed_ips": [{"subnet_id": sub_id, "ip_address": ip}],
            "binding:host_id": host, "device_owner": "compute:nova",
            "security_groups": [SG], "status": "DOWN", **extra}


def dhcp_port(port_id="d0000000-0000-0000-0000-0000000000d0", ip="10.0.0.2", host="",
              net_id=NET):
    return port(port_id, ip, host=host, net_id=net_id, device_owner="network:dhcp",
                security_groups=[], port_security_enabled=False)


def default_group(group_id=SG):
    return {"id": group_id, "security_group_rules": [
        {"id": "r-e4", "direction": "egress", "ethertype": "IPv4"},
        {"id": "r-e6", "direction": "egress", "ethertype": "IPv6"},
        {"id": "r-i4", "direction": "ingress", "ethertype": "IPv4",
         "remote_group_id": group_id},
        {"id": "r-i6", "direction": "ingress", "ethertype": "IPv6",
         "remote_group_id": group_id},
    ]}
