"""``sovra floating ip list|show|create|delete|set|unset``: a floating IP is named
by its id or its address."""

from sovra_common.cli import command, errors, output
from sovra_network import cli

COLUMNS = [("ID", "id"), ("Floating IP Address", "floating_ip_address"),
           ("Fixed IP Address", "fixed_ip_address"), ("Port", "port_id"),
           ("Floating Network", "floating_network_id"), ("Project", "project_id")]
LONG_COLUMNS = [("Router", "router_id"), ("Status", "status"),
                ("Description", "description"), ("Tags", "tags")]


def _association(net, parsed_args) -> dict:
    port = cli.find_port(net, parsed_args.port)
    attrs = {"port_id": port["id"]}
    if parsed_args.fixed_ip_address:
        attrs["fixed_ip_address"] = parsed_args.fixed_ip_address
    return attrs


class ListFloatingIP(command.Lister):
    """List floating IPs."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--network", metavar="<network>",
                            help="only those of this external network (name or id)")
        parser.add_argument("--port", metavar="<port>",
                            help="only the one associated with this port (name or id)")
        parser.add_argument("--router", metavar="<router>",
                            help="only those that go through this router (name or "
                                 "id)")
        parser.add_argument("--floating-ip-address", metavar="<ip>",
                            help="only the one with this address")
        parser.add_argument("--fixed-ip-address", metavar="<ip>",
                            help="only those associated with this fixed address")
        parser.add_argument("--status", choices=("ACTIVE", "DOWN"),
                            help="ACTIVE (associated) or DOWN")
        cli.add_project_option(parser, "only this project's floating IPs (name or id)")
        parser.add_argument("--long", action="store_true",
                            help="also show router, status, description and tags")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        filters = cli.attrs_from(parsed_args, "floating_ip_address", "fixed_ip_address",
                                 "status")
        if parsed_args.network:
            filters["floating_network_id"] = cli.find_network(
                net, parsed_args.network)["id"]
        if parsed_args.port:
            filters["port_id"] = cli.find_port(net, parsed_args.port)["id"]
        if parsed_args.router:
            filters["router_id"] = cli.find_router(net, parsed_args.router)["id"]
        if parsed_args.project:
            filters["project_id"] = cli.project_id(self.cloud, parsed_args)
        ips = net.list_floating_ips(**filters)
        columns = COLUMNS + (LONG_COLUMNS if parsed_args.long else [])
        return output.listing(sorted(ips, key=lambda f: f["floating_ip_address"]),
                              columns)


class ShowFloatingIP(command.ShowOne):
    """Show a floating IP, by address or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("floating_ip", metavar="<floating-ip>", help="address or id")
        return parser

    def take_action(self, parsed_args):
        return output.show(cli.find_floating_ip(cli.client(self.cloud),
                                                parsed_args.floating_ip))


class CreateFloatingIP(command.ShowOne):
    """Allocate a floating IP from an external network, and associate it with a
    port if --port is given.

    The port's network must reach the external network through a router whose
    gateway is on it (router set --external-gateway, router add subnet).
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("network", metavar="<network>",
                            help="the external network to take it from (name or id)")
        parser.add_argument("--subnet", metavar="<subnet>",
                            help="take it from this subnet of that network (name or "
                                 "id)")
        parser.add_argument("--floating-ip-address", metavar="<ip>",
                            help="this address (admin)")
        parser.add_argument("--port", metavar="<port>",
                            help="associate it with this port (name or id)")
        parser.add_argument("--fixed-ip-address", metavar="<ip>",
                            help="with --port: which of the port's addresses (when "
                                 "it has several)")
        parser.add_argument("--description", metavar="<text>")
        cli.add_project_option(parser, "allocate it to this project (name or id; admin)")
        cli.add_tag_options(parser, "floating IP")
        return parser

    def take_action(self, parsed_args):
        if parsed_args.fixed_ip_address and not parsed_args.port:
            raise errors.CommandError("--fixed-ip-address goes with --port.")
        net = cli.client(self.cloud)
        network = cli.find_network(net, parsed_args.network)
        attrs = cli.attrs_from(parsed_args, "floating_ip_address", "description")
        if parsed_args.subnet:
            attrs["subnet_id"] = cli.find_subnet(net, parsed_args.subnet)["id"]
        if parsed_args.port:
            attrs.update(_association(net, parsed_args))
        if parsed_args.project:
            attrs["project_id"] = cli.project_id(self.cloud, parsed_args)
        floating_ip = net.create_floating_ip(network["id"], **attrs)
        return output.show(cli.apply_tags(net, "floatingips", floating_ip, parsed_args))


class DeleteFloatingIP(command.Command):
    """Release one or more floating IPs, by address or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("floating_ips", metavar="<floating-ip>", nargs="+",
                            help="address or id")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        command.for_each(
            self, parsed_args.floating_ips,
            lambda name: net.delete_floating_ip(cli.find_floating_ip(net, name)["id"]),
            "floating IP")


class SetFloatingIP(command.Command):
    """Associate a floating IP with a port (--port), or change its description or
    tags."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("floating_ip", metavar="<floating-ip>", help="address or id")
        parser.add_argument("--port", metavar="<port>",
                            help="associate it with this port (name or id); the "
                                 "traffic to its address goes to the port's")
        parser.add_argument("--fixed-ip-address", metavar="<ip>",
                            help="with --port: which of the port's addresses")
        parser.add_argument("--description", metavar="<text>")
        cli.add_tag_options(parser, "floating IP", unset=True)
        return parser

    def take_action(self, parsed_args):
        if parsed_args.fixed_ip_address and not parsed_args.port:
            raise errors.CommandError("--fixed-ip-address goes with --port.")
        net = cli.client(self.cloud)
        floating_ip = cli.find_floating_ip(net, parsed_args.floating_ip)
        attrs = cli.attrs_from(parsed_args, "description")
        if parsed_args.port:
            attrs.update(_association(net, parsed_args))
        if attrs:
            floating_ip = net.update_floating_ip(floating_ip["id"], **attrs)
        cli.apply_tags(net, "floatingips", floating_ip, parsed_args)


class UnsetFloatingIP(command.Command):
    """Disassociate a floating IP from its port (--port), or remove tags."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("floating_ip", metavar="<floating-ip>", help="address or id")
        parser.add_argument("--port", action="store_true",
                            help="disassociate it (it stays yours, unassociated)")
        parser.add_argument("--tag", metavar="<tag>", dest="tags", action="append",
                            default=[], help="remove this tag (repeat for several)")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        floating_ip = cli.find_floating_ip(net, parsed_args.floating_ip)
        if parsed_args.port:
            net.update_floating_ip(floating_ip["id"], port_id=None)
        if parsed_args.tags:
            kept = [t for t in floating_ip.get("tags") or [] if t not in parsed_args.tags]
            net.set_tags("floatingips", floating_ip["id"], kept)
