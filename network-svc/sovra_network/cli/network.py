"""``sovra network list|show|create|delete|set``."""

from sovra_common.cli import command, output
from sovra_network import cli

COLUMNS = [("ID", "id"), ("Name", "name"), ("Subnets", "subnets")]
LONG_COLUMNS = [("Status", "status"), ("Project", "project_id"), ("State", "state"),
                ("Shared", "shared"), ("External", "router:external"),
                ("MTU", "mtu"), ("Network Type", "provider:network_type"),
                ("Tags", "tags")]


def view(network: dict) -> tuple:
    return output.show(network)


def _add_share_options(parser) -> None:
    share = parser.add_mutually_exclusive_group()
    share.add_argument("--share", dest="shared", action="store_true", default=None,
                       help="every project may use it")
    share.add_argument("--no-share", dest="shared", action="store_false",
                       help="only its project may use it")
    external = parser.add_mutually_exclusive_group()
    external.add_argument("--external", dest="external", action="store_true",
                          default=None,
                          help="an external network: routers' gateways and floating "
                               "IPs come from it (admin)")
    external.add_argument("--internal", dest="external", action="store_false",
                          help="not external")


def _attrs(parsed_args) -> dict:
    return cli.attrs_from(parsed_args, "name", "description", "mtu", "shared",
                          "admin_state_up", "port_security_enabled",
                          **{"router:external": "external"})


class ListNetwork(command.Lister):
    """List networks (yours, shared and external ones; an admin sees all)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--name", metavar="<name>", help="only networks of this name")
        external = parser.add_mutually_exclusive_group()
        external.add_argument("--external", dest="external", action="store_true",
                              default=None, help="only external networks")
        external.add_argument("--internal", dest="external", action="store_false",
                              help="only internal (not external) networks")
        parser.add_argument("--share", dest="shared", action="store_true", default=None,
                            help="only shared networks")
        parser.add_argument("--tags", metavar="<tag>[,<tag>,...]",
                            help="only networks with all these tags")
        cli.add_project_option(parser, "only this project's networks (name or id)")
        parser.add_argument("--long", action="store_true",
                            help="also show status, project, state, sharing, MTU, "
                                 "type and tags")
        return parser

    def take_action(self, parsed_args):
        filters = {"name": parsed_args.name, "tags": parsed_args.tags,
                   "shared": "true" if parsed_args.shared else None,
                   "project_id": cli.project_id(self.cloud, parsed_args)}
        if parsed_args.external is not None:
            filters["router:external"] = str(parsed_args.external).lower()
        networks = cli.client(self.cloud).list_networks(**filters)
        rows = [dict(n, state="UP" if n.get("admin_state_up") else "DOWN")
                for n in networks]
        columns = COLUMNS + (LONG_COLUMNS if parsed_args.long else [])
        return output.listing(sorted(rows, key=lambda n: (n.get("name") or "", n["id"])),
                              columns)


class ShowNetwork(command.ShowOne):
    """Show a network, by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("network", metavar="<network>", help="name or id")
        return parser

    def take_action(self, parsed_args):
        return view(cli.find_network(cli.client(self.cloud), parsed_args.network))


class CreateNetwork(command.ShowOne):
    """Create a network.

    A project's network is a VXLAN segment by default (the cloud's
    [network] tenant_network_type). An admin may give its provider segment
    (--provider-network-type flat|vxlan, --provider-physical-network,
    --provider-segment) and make it external (--external) for routers' gateways
    and floating IPs.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="the new network's name")
        parser.add_argument("--description", metavar="<text>")
        _add_share_options(parser)
        parser.add_argument("--mtu", metavar="<bytes>", type=int,
                            help="the MTU of its ports (default: the largest the "
                                 "segment allows)")
        cli.add_port_security_options(parser, "network")
        cli.add_enable_options(parser, "network")
        parser.add_argument("--provider-network-type", metavar="<type>",
                            help="segment type: flat, vxlan... (admin)")
        parser.add_argument("--provider-physical-network", metavar="<physnet>",
                            help="the physical network of a flat segment (admin)")
        parser.add_argument("--provider-segment", metavar="<id>", type=int,
                            help="the segment's id, e.g. the VXLAN VNI (admin)")
        cli.add_project_option(parser, "create it in this project (name or id; admin)")
        cli.add_tag_options(parser, "network")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        attrs = _attrs(parsed_args)
        attrs.update(cli.attrs_from(
            parsed_args, **{"provider:network_type": "provider_network_type",
                            "provider:physical_network": "provider_physical_network",
                            "provider:segmentation_id": "provider_segment"}))
        if parsed_args.project:
            attrs["project_id"] = cli.project_id(self.cloud, parsed_args)
        network = net.create_network(**attrs)
        return view(cli.apply_tags(net, "networks", network, parsed_args))


class DeleteNetwork(command.Command):
    """Delete one or more networks, by name or id (with no ports left on them
    but the DHCP port)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("networks", metavar="<network>", nargs="+",
                            help="name or id")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        command.for_each(
            self, parsed_args.networks,
            lambda name: net.delete_network(cli.find_network(net, name)["id"]),
            "network")


class SetNetwork(command.Command):
    """Change a network's name, description, sharing, MTU, port security, state or
    tags."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("network", metavar="<network>", help="name or id")
        parser.add_argument("--name", metavar="<name>", help="rename it")
        parser.add_argument("--description", metavar="<text>")
        _add_share_options(parser)
        parser.add_argument("--mtu", metavar="<bytes>", type=int)
        cli.add_port_security_options(parser, "network")
        cli.add_enable_options(parser, "network")
        cli.add_tag_options(parser, "network", unset=True)
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        network = cli.find_network(net, parsed_args.network)
        attrs = _attrs(parsed_args)
        if attrs:
            network = net.update_network(network["id"], **attrs)
        cli.apply_tags(net, "networks", network, parsed_args)


class UnsetNetwork(command.Command):
    """Remove tags from a network."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("network", metavar="<network>", help="name or id")
        parser.add_argument("--tag", metavar="<tag>", dest="tags", action="append",
                            default=[], help="remove this tag (repeat for several)")
        parser.add_argument("--all-tag", action="store_true", help="remove every tag")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        network = cli.find_network(net, parsed_args.network)
        if parsed_args.tags or parsed_args.all_tag:
            kept = [] if parsed_args.all_tag else \
                [t for t in network.get("tags") or [] if t not in parsed_args.tags]
            net.set_tags("networks", network["id"], kept)
