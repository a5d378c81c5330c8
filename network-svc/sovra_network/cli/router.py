"""``sovra router list|show|create|delete|set|unset``, ``sovra router add|remove
subnet|port``."""

from sovra_common.cli import command, errors, output
from sovra_network import cli

COLUMNS = [("ID", "id"), ("Name", "name"), ("Status", "status"), ("State", "state"),
           ("Project", "project_id")]
LONG_COLUMNS = [("External Gateway", "external_gateway_info"), ("Routes", "routes"),
                ("Tags", "tags")]

_fixed_ip = cli.key_values("subnet", "ip-address")
_route = cli.key_values("destination", "gateway", required=("destination", "gateway"))


def view(net, router: dict) -> tuple:
    """The router with ``interfaces_info``: its interface ports' addresses."""
    interfaces = []
    for port in net.list_ports(device_id=router["id"],
                               device_owner="network:router_interface"):
        for fixed in port.get("fixed_ips") or []:
            interfaces.append({"port_id": port["id"], "subnet_id": fixed["subnet_id"],
                               "ip_address": fixed["ip_address"]})
    return output.show(dict(router, interfaces_info=interfaces))


def _add_gateway_options(parser) -> None:
    parser.add_argument("--external-gateway", metavar="<network>",
                        help="its gateway to this external network (name or id): "
                             "the interfaces' traffic leaves from there, floating "
                             "IPs of that network work through it")
    snat = parser.add_mutually_exclusive_group()
    snat.add_argument("--enable-snat", dest="enable_snat", action="store_true",
                      default=None, help="source-NAT the interfaces' traffic to the "
                                         "gateway's address (the default)")
    snat.add_argument("--disable-snat", dest="enable_snat", action="store_false",
                      help="no source NAT (admin)")
    parser.add_argument("--fixed-ip", metavar="subnet=<subnet>,ip-address=<ip>",
                        dest="fixed_ips", type=_fixed_ip, action="append", default=[],
                        help="the gateway's address on the external network "
                             "(repeat for several; admin)")


def _gateway_info(net, router: dict | None, parsed_args) -> dict | None:
    """The external_gateway_info the options ask for, or None if they ask nothing."""
    if parsed_args.external_gateway is None:
        if parsed_args.enable_snat is None and not parsed_args.fixed_ips:
            return None
        current = (router or {}).get("external_gateway_info") or {}
        if not current.get("network_id"):
            raise errors.CommandError("--enable-snat, --disable-snat and --fixed-ip "
                                      "go with --external-gateway (the router has no "
                                      "gateway).")
        info = {"network_id": current["network_id"]}
    else:
        info = {"network_id": cli.find_network(net, parsed_args.external_gateway)["id"]}
    if parsed_args.enable_snat is not None:
        info["enable_snat"] = parsed_args.enable_snat
    if parsed_args.fixed_ips:
        fixed = []
        for entry in parsed_args.fixed_ips:
            item = {}
            if entry.get("subnet"):
                item["subnet_id"] = cli.find_subnet(net, entry["subnet"])["id"]
            if entry.get("ip-address"):
                item["ip_address"] = entry["ip-address"]
            if not item:
                raise errors.CommandError("--fixed-ip needs subnet=<subnet>, "
                                          "ip-address=<ip> or both.")
            fixed.append(item)
        info["external_fixed_ips"] = fixed
    return info


def _routes(entries: list[dict]) -> list[dict]:
    return [{"destination": r["destination"], "nexthop": r["gateway"]} for r in entries]


class ListRouter(command.Lister):
    """List routers."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--name", metavar="<name>", help="only routers of this name")
        cli.add_project_option(parser, "only this project's routers (name or id)")
        parser.add_argument("--long", action="store_true",
                            help="also show the gateway, routes and tags")
        return parser

    def take_action(self, parsed_args):
        routers = cli.client(self.cloud).list_routers(
            name=parsed_args.name, project_id=cli.project_id(self.cloud, parsed_args))
        rows = [dict(r, state="UP" if r.get("admin_state_up") else "DOWN")
                for r in routers]
        columns = COLUMNS + (LONG_COLUMNS if parsed_args.long else [])
        return output.listing(sorted(rows, key=lambda r: (r.get("name") or "", r["id"])),
                              columns)


class ShowRouter(command.ShowOne):
    """Show a router, by name or id, with its interfaces (interfaces_info)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("router", metavar="<router>", help="name or id")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        return view(net, cli.find_router(net, parsed_args.router))


class CreateRouter(command.ShowOne):
    """Create a router (then: router set --external-gateway, router add subnet)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="the new router's name")
        parser.add_argument("--description", metavar="<text>")
        cli.add_enable_options(parser, "router")
        _add_gateway_options(parser)
        cli.add_project_option(parser, "create it in this project (name or id; admin)")
        cli.add_tag_options(parser, "router")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        attrs = cli.attrs_from(parsed_args, "name", "description", "admin_state_up")
        gateway = _gateway_info(net, None, parsed_args)
        if gateway is not None:
            attrs["external_gateway_info"] = gateway
        if parsed_args.project:
            attrs["project_id"] = cli.project_id(self.cloud, parsed_args)
        router = net.create_router(**attrs)
        return view(net, cli.apply_tags(net, "routers", router, parsed_args))


class DeleteRouter(command.Command):
    """Delete one or more routers, by name or id (remove their interfaces first)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("routers", metavar="<router>", nargs="+", help="name or id")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        command.for_each(
            self, parsed_args.routers,
            lambda name: net.delete_router(cli.find_router(net, name)["id"]), "router")


class SetRouter(command.Command):
    """Change a router: name, description, state, its external gateway (and SNAT),
    add extra routes (--no-route first clears them), tags."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("router", metavar="<router>", help="name or id")
        parser.add_argument("--name", metavar="<name>", help="rename it")
        parser.add_argument("--description", metavar="<text>")
        cli.add_enable_options(parser, "router")
        _add_gateway_options(parser)
        parser.add_argument("--route", metavar="destination=<cidr>,gateway=<ip>",
                            dest="routes", type=_route, action="append", default=[],
                            help="add a static route; the gateway is on one of its "
                                 "subnets (repeat for several)")
        parser.add_argument("--no-route", action="store_true",
                            help="remove every static route (before --route)")
        cli.add_tag_options(parser, "router", unset=True)
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        router = cli.find_router(net, parsed_args.router)
        attrs = cli.attrs_from(parsed_args, "name", "description", "admin_state_up")
        gateway = _gateway_info(net, router, parsed_args)
        if gateway is not None:
            attrs["external_gateway_info"] = gateway
        if parsed_args.no_route:
            attrs["routes"] = _routes(parsed_args.routes)
        if attrs:
            router = net.update_router(router["id"], **attrs)
        if parsed_args.routes and not parsed_args.no_route:
            router = net.add_extra_routes(router["id"], _routes(parsed_args.routes))
        cli.apply_tags(net, "routers", router, parsed_args)


class UnsetRouter(command.Command):
    """Remove a router's external gateway, extra routes or tags."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("router", metavar="<router>", help="name or id")
        parser.add_argument("--external-gateway", action="store_true",
                            help="remove its gateway (and its address on the external "
                                 "network)")
        parser.add_argument("--route", metavar="destination=<cidr>,gateway=<ip>",
                            dest="routes", type=_route, action="append", default=[],
                            help="remove this static route (repeat for several)")
        parser.add_argument("--tag", metavar="<tag>", dest="tags", action="append",
                            default=[], help="remove this tag (repeat for several)")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        router = cli.find_router(net, parsed_args.router)
        if parsed_args.routes:
            router = net.remove_extra_routes(router["id"], _routes(parsed_args.routes))
        if parsed_args.external_gateway:
            router = net.update_router(router["id"], external_gateway_info=None)
        if parsed_args.tags:
            kept = [t for t in router.get("tags") or [] if t not in parsed_args.tags]
            net.set_tags("routers", router["id"], kept)


class _Interface(command.Command):
    adding = True
    kind = "subnet"

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("router", metavar="<router>", help="name or id")
        parser.add_argument(self.kind, metavar=f"<{self.kind}>", help="name or id")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        router = cli.find_router(net, parsed_args.router)
        if self.kind == "subnet":
            target = {"subnet_id": cli.find_subnet(net, parsed_args.subnet)["id"]}
        else:
            target = {"port_id": cli.find_port(net, parsed_args.port)["id"]}
        if self.adding:
            net.add_router_interface(router["id"], **target)
        else:
            net.remove_router_interface(router["id"], **target)


class AddSubnetToRouter(_Interface):
    """Connect a subnet to a router: the router takes the subnet's gateway
    address."""


class RemoveSubnetFromRouter(_Interface):
    """Disconnect a subnet from a router (its interface port goes)."""

    adding = False


class AddPortToRouter(_Interface):
    """Connect a port to a router: the router takes the port and its address."""

    kind = "port"


class RemovePortFromRouter(_Interface):
    """Disconnect a port from a router (the port is deleted)."""

    kind = "port"
    adding = False
