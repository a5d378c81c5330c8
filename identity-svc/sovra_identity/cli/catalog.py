"""The catalog as stored: ``sovra service list|show|create|set|delete``, ``sovra
endpoint list|show|create|set|delete`` and ``sovra region
list|show|create|set|delete``."""

from sovra_common.cli import command, output
from sovra_identity import cli
from sovra_identity.cli.domain import add_enable_options

SERVICE_FIELDS = ["id", "name", "type", "description", "enabled"]
ENDPOINT_FIELDS = ["id", "region", "region_id", "service_id", "service_name",
                   "service_type", "interface", "url", "enabled"]
REGION_FIELDS = ["region", "parent_region", "description"]


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


class ShowService(command.ShowOne):
    """Show a service of the catalog, by id, name or type."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("service", metavar="<service>", help="id, name or type")
        return parser

    def take_action(self, parsed_args):
        return output.show(cli.client(self.cloud).find_service(parsed_args.service),
                           SERVICE_FIELDS)


class CreateService(command.ShowOne):
    """Register a service in the catalog."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("type", metavar="<type>", help="its type (compute, image...)")
        parser.add_argument("--name", metavar="<name>")
        parser.add_argument("--description", metavar="<description>")
        add_enable_options(parser)
        return parser

    def take_action(self, parsed_args):
        service = cli.client(self.cloud).create_service(
            parsed_args.type, name=parsed_args.name, description=parsed_args.description,
            enabled=parsed_args.enabled)
        return output.show(service, SERVICE_FIELDS)


class SetService(command.Command):
    """Change a service's type, name, description or enabled state."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("service", metavar="<service>", help="id, name or type")
        parser.add_argument("--type", metavar="<type>", help="its new type")
        parser.add_argument("--name", metavar="<service-name>", help="its new name")
        parser.add_argument("--description", metavar="<description>")
        add_enable_options(parser, "enabled")
        return parser

    def take_action(self, parsed_args):
        changes = {k: getattr(parsed_args, k) for k in
                   ("type", "name", "description", "enabled")
                   if getattr(parsed_args, k) is not None}
        identity = cli.client(self.cloud)
        service = identity.find_service(parsed_args.service)
        if changes:
            identity.update_service(service["id"], **changes)


class DeleteService(command.Command):
    """Delete one or more services from the catalog (with their endpoints)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("services", metavar="<service>", nargs="+",
                            help="id, name or type")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        command.for_each(
            self, parsed_args.services,
            lambda name: identity.delete_service(identity.find_service(name)["id"]),
            "service")


def _endpoint_view(endpoint: dict, service: dict) -> dict:
    return {**endpoint, "region": endpoint.get("region_id") or endpoint.get("region"),
            "service_name": service.get("name"), "service_type": service.get("type")}


class ShowEndpoint(command.ShowOne):
    """Show an endpoint, by id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("endpoint", metavar="<endpoint-id>")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        endpoint = identity.get_endpoint(parsed_args.endpoint)
        service = identity.find_service(endpoint["service_id"])
        return output.show(_endpoint_view(endpoint, service), ENDPOINT_FIELDS)


class CreateEndpoint(command.ShowOne):
    """Add an endpoint to a service of the catalog."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("service", metavar="<service>", help="id, name or type")
        parser.add_argument("interface", choices=("public", "internal", "admin"))
        parser.add_argument("url", metavar="<url>")
        parser.add_argument("--region", metavar="<region-id>")
        add_enable_options(parser)
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        service = identity.find_service(parsed_args.service)
        endpoint = identity.create_endpoint(
            service["id"], parsed_args.interface, parsed_args.url,
            region_id=parsed_args.region, enabled=parsed_args.enabled)
        return output.show(_endpoint_view(endpoint, service), ENDPOINT_FIELDS)


class SetEndpoint(command.Command):
    """Change an endpoint: its region, interface, URL, service or enabled state."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("endpoint", metavar="<endpoint-id>")
        parser.add_argument("--region", metavar="<region-id>")
        parser.add_argument("--interface", choices=("public", "internal", "admin"))
        parser.add_argument("--url", metavar="<url>")
        parser.add_argument("--service", metavar="<service>",
                            help="the service it belongs to (id, name or type)")
        add_enable_options(parser, "enabled")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        changes = {k: getattr(parsed_args, k) for k in ("interface", "url", "enabled")
                   if getattr(parsed_args, k) is not None}
        if parsed_args.region is not None:
            changes["region_id"] = parsed_args.region
        if parsed_args.service is not None:
            changes["service_id"] = identity.find_service(parsed_args.service)["id"]
        if changes:
            identity.update_endpoint(parsed_args.endpoint, **changes)
        else:
            identity.get_endpoint(parsed_args.endpoint)   # a missing one still fails


class DeleteEndpoint(command.Command):
    """Delete one or more endpoints, by id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("endpoints", metavar="<endpoint-id>", nargs="+")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        command.for_each(self, parsed_args.endpoints, identity.delete_endpoint, "endpoint")


def _region_view(region: dict) -> dict:
    return {"region": region["id"], "parent_region": region.get("parent_region_id"),
            "description": region.get("description")}


class ListRegion(command.Lister):
    """List regions."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--parent-region", metavar="<region-id>",
                            help="only the children of this region")
        return parser

    def take_action(self, parsed_args):
        regions = cli.client(self.cloud).list_regions(
            parent_region_id=parsed_args.parent_region)
        rows = sorted((_region_view(r) for r in regions), key=lambda r: r["region"])
        return output.listing(rows, [("Region", "region"),
                                     ("Parent Region", "parent_region"),
                                     ("Description", "description")])


class ShowRegion(command.ShowOne):
    """Show a region."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("region", metavar="<region-id>")
        return parser

    def take_action(self, parsed_args):
        return output.show(_region_view(cli.client(self.cloud).get_region(
            parsed_args.region)), REGION_FIELDS)


class CreateRegion(command.ShowOne):
    """Create a region."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("region", metavar="<region-id>")
        parser.add_argument("--parent-region", metavar="<region-id>")
        parser.add_argument("--description", metavar="<description>")
        return parser

    def take_action(self, parsed_args):
        region = cli.client(self.cloud).create_region(
            parsed_args.region, parent_region_id=parsed_args.parent_region,
            description=parsed_args.description)
        return output.show(_region_view(region), REGION_FIELDS)


class SetRegion(command.Command):
    """Change a region's parent region or description."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("region", metavar="<region-id>")
        parser.add_argument("--parent-region", metavar="<region-id>",
                            help="its new parent region")
        parser.add_argument("--description", metavar="<description>")
        return parser

    def take_action(self, parsed_args):
        changes = {}
        if parsed_args.parent_region is not None:
            changes["parent_region_id"] = parsed_args.parent_region
        if parsed_args.description is not None:
            changes["description"] = parsed_args.description
        identity = cli.client(self.cloud)
        if changes:
            identity.update_region(parsed_args.region, **changes)
        else:
            identity.get_region(parsed_args.region)   # a missing one still fails


class DeleteRegion(command.Command):
    """Delete one or more regions."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("regions", metavar="<region-id>", nargs="+")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        command.for_each(self, parsed_args.regions, identity.delete_region, "region")
