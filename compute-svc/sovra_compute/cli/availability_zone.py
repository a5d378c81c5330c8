"""``sovra availability zone list`` (compute's zones, os-availability-zone)."""

from sovra_common.cli import command, output
from sovra_compute import cli


def _service_status(service: dict) -> str:
    """As ``openstack availability zone list --long``: ``enabled :-) <updated>``
    (``XXX`` for a service that is down)."""
    return " ".join([
        "enabled" if service.get("active") else "disabled",
        ":-)" if service.get("available") else "XXX",
        service.get("updated_at") or ""]).strip()


class ListAvailabilityZone(command.Lister):
    """List availability zones (compute's)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--compute", action="store_true",
                            help="compute's zones (the only ones listed here)")
        parser.add_argument("--long", action="store_true",
                            help="one row per host and service in each zone (admin)")
        return parser

    def take_action(self, parsed_args):
        zones = cli.client(self.cloud).list_availability_zones(detail=parsed_args.long)
        rows = []
        for zone in sorted(zones, key=lambda z: z["zoneName"]):
            status = "available" if zone["zoneState"]["available"] else "not available"
            base = {"name": zone["zoneName"], "status": status}
            if not parsed_args.long:
                rows.append(base)
                continue
            for host, services in sorted((zone.get("hosts") or {}).items()):
                for binary, service in sorted(services.items()):
                    rows.append(dict(base, host=host, service=binary,
                                     service_status=_service_status(service)))
            if not zone.get("hosts"):
                rows.append(base)
        columns = [("Zone Name", "name"), ("Zone Status", "status")]
        if parsed_args.long:
            columns += [("Host Name", "host"), ("Service Name", "service"),
                        ("Service Status", "service_status")]
        return output.listing(rows, columns)
