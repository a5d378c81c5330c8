"""``sovra service list`` and ``sovra endpoint list`` (the catalog as stored)."""

from sovra_common.cli import command, output
from sovra_identity import cli


class ListService(command.Lister):
    """List the services registered in the catalog."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--long", action="store_true",
                            help="also show description and enabled")
        return parser

    def take_action(self, parsed_args):
        services = cli.client(self.cloud).list_services()
        columns = [("ID", "id"), ("Name", "name"), ("Type", "type")]
        if parsed_args.long:
            columns += [("Description", "description"), ("Enabled", "enabled")]
        return output.listing(sorted(services, key=lambda s: s["type"]), columns)


class ListEndpoint(command.Lister):
    """List the endpoints registered in the catalog."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--service", metavar="<service>",
                            help="only this service's (type, name or id)")
        parser.add_argument("--interface", choices=("public", "internal", "admin"))
        parser.add_argument("--region", metavar="<region>")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        services = {s["id"]: s for s in identity.list_services()}
        wanted = parsed_args.service
        endpoints = identity.list_endpoints(interface=parsed_args.interface,
                                            region_id=parsed_args.region)
        rows = []
        for e in endpoints:
            svc = services.get(e.get("service_id"), {})
            if wanted and wanted not in (svc.get("type"), svc.get("name"), svc.get("id")):
                continue
            rows.append({**e, "service_name": svc.get("name"),
                         "service_type": svc.get("type"),
                         "region": e.get("region_id") or e.get("region")})
        rows.sort(key=lambda r: (r["service_type"] or "", r["interface"]))
        return output.listing(rows, [("ID", "id"), ("Region", "region"),
                                     ("Service Name", "service_name"),
                                     ("Service Type", "service_type"),
                                     ("Enabled", "enabled"), ("Interface", "interface"),
                                     ("URL", "url")])
