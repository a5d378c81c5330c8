"""``sovra availability zone list [--compute] [--volume] [--network] [--long]``: the
zones of compute (os-availability-zone), block storage (its os-availability-zone)
and network (its availability_zone extension), as ``openstack availability zone
list`` shows them; by default those of every one of them the cloud has."""

from sovra_common.cli import command, output
from sovra_compute import cli


def _service_status(service: dict) -> str:
    """As ``openstack availability zone list --long``: ``enabled :-) <updated>``
    (``XXX`` for a service that is down)."""
    return " ".join([
        "enabled" if service.get("active") else "disabled",
        ":-)" if service.get("available") else "XXX",
        service.get("updated_at") or ""]).strip()


def _status(zone: dict) -> str:
    return "available" if zone["zoneState"]["available"] else "not available"


def _compute_rows(cloud, long: bool) -> list[dict]:
    zones = cli.client(cloud).list_availability_zones(detail=long)
    rows = []
    for zone in sorted(zones, key=lambda z: z["zoneName"]):
        base = {"name": zone["zoneName"], "status": _status(zone), "resource": ""}
        if not long:
            rows.append(base)
            continue
        for host, services in sorted((zone.get("hosts") or {}).items()):
            for binary, service in sorted(services.items()):
                rows.append(dict(base, host=host, service=binary,
                                 service_status=_service_status(service)))
        if not zone.get("hosts"):
            rows.append(base)
    return rows


def _volume_rows(cloud, long: bool) -> list[dict]:
    from sovra_block import cli as block_cli

    zones = block_cli.client(cloud).list_availability_zones()
    return [{"name": z["zoneName"], "status": _status(z), "resource": ""}
            for z in sorted(zones, key=lambda z: z["zoneName"])]


def _network_rows(cloud, long: bool) -> list[dict]:
    from sovra_network import cli as network_cli

    zones = network_cli.client(cloud).list_availability_zones()
    return [{"name": z["name"], "resource": z.get("resource") or "",
             "status": "available" if z.get("state") == "available"
             else "not available"}
            for z in sorted(zones, key=lambda z: (z["name"], z.get("resource") or ""))]


#: option -> the rows of that service's zones
_SERVICES = {"compute": _compute_rows, "volume": _volume_rows,
             "network": _network_rows}


class ListAvailabilityZone(command.Lister):
    """List availability zones (compute's, block storage's and network's)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--compute", action="store_true",
                            help="compute's zones")
        parser.add_argument("--volume", action="store_true",
                            help="block storage's zones")
        parser.add_argument("--network", action="store_true",
                            help="network's zones (with the resource each serves)")
        parser.add_argument("--long", action="store_true",
                            help="also the resource (network's) and, for compute, "
                                 "one row per host and service in each zone (admin)")
        return parser

    def take_action(self, parsed_args):
        asked = [name for name in _SERVICES if getattr(parsed_args, name)]
        rows = []
        for name in asked or _SERVICES:
            if asked:
                # named: a service the cloud lacks is an error
                rows += _SERVICES[name](self.cloud, parsed_args.long)
            else:
                rows += cli.if_served(
                    self.cloud,
                    lambda f=_SERVICES[name]: f(self.cloud, parsed_args.long)) or []
        columns = [("Zone Name", "name"), ("Zone Status", "status")]
        if parsed_args.long:
            columns += [("Zone Resource", "resource"), ("Host Name", "host"),
                        ("Service Name", "service"),
                        ("Service Status", "service_status")]
        return output.listing(rows, columns)
