"""``sovra subnet list|show|create|delete|set``."""

from sovra_common.cli import command, errors, output
from sovra_network import cli

COLUMNS = [("ID", "id"), ("Name", "name"), ("Network", "network_id"),
           ("Subnet", "cidr")]
LONG_COLUMNS = [("Project", "project_id"), ("DHCP", "enable_dhcp"),
                ("Name Servers", "dns_nameservers"),
                ("Allocation Pools", "allocation_pools"),
                ("Host Routes", "host_routes"), ("IP Version", "ip_version"),
                ("Gateway", "gateway_ip"), ("Tags", "tags")]

_pool = cli.key_values("start", "end", required=("start", "end"))
_route = cli.key_values("destination", "gateway", required=("destination", "gateway"))


def view(subnet: dict) -> tuple:
    return output.show(subnet)


def _add_common_options(parser) -> None:
    """The options create and set share."""
    parser.add_argument("--description", metavar="<text>")
    gateway = parser.add_mutually_exclusive_group()
    gateway.add_argument("--gateway", metavar="<ip-address>|auto|none",
                         help="the subnet's gateway (a router takes it when the "
                              "subnet is added to one): an address, 'auto' (the "
                              "first address, the default) or 'none'")
    gateway.add_argument("--no-gateway", dest="gateway", action="store_const",
                         const="none", help="no gateway (same as --gateway none)")
    dhcp = parser.add_mutually_exclusive_group()
    dhcp.add_argument("--dhcp", dest="enable_dhcp", action="store_true", default=None,
                      help="serve its addresses by DHCP (the default)")
    dhcp.add_argument("--no-dhcp", dest="enable_dhcp", action="store_false",
                      help="no DHCP")
    parser.add_argument("--dns-nameserver", metavar="<ip-address>",
                        dest="dns_nameservers", action="append", default=[],
                        help="a DNS server DHCP hands out (repeat for several)")
    parser.add_argument("--allocation-pool", metavar="start=<ip>,end=<ip>",
                        dest="allocation_pools", type=_pool, action="append",
                        default=[],
                        help="a range ports get addresses from (repeat for several; "
                             "default: the whole range but the gateway)")
    parser.add_argument("--host-route", metavar="destination=<cidr>,gateway=<ip>",
                        dest="host_routes", type=_route, action="append", default=[],
                        help="a static route DHCP hands out (repeat for several)")


def _gateway(parsed_args, attrs: dict) -> None:
    if parsed_args.gateway is None or parsed_args.gateway == "auto":
        return
    attrs["gateway_ip"] = None if parsed_args.gateway == "none" else parsed_args.gateway


def _routes(parsed_args) -> list[dict]:
    return [{"destination": r["destination"], "nexthop": r["gateway"]}
            for r in parsed_args.host_routes]


class ListSubnet(command.Lister):
    """List subnets."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--name", metavar="<name>", help="only subnets of this name")
        parser.add_argument("--network", metavar="<network>",
                            help="only this network's subnets (name or id)")
        parser.add_argument("--ip-version", type=int, choices=(4, 6),
                            help="only IPv4 or IPv6 subnets")
        parser.add_argument("--subnet-range", metavar="<cidr>",
                            help="only the subnet of this range")
        cli.add_project_option(parser, "only this project's subnets (name or id)")
        parser.add_argument("--long", action="store_true",
                            help="also show project, DHCP, name servers, pools, "
                                 "routes, IP version, gateway and tags")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        filters = {"name": parsed_args.name, "ip_version": parsed_args.ip_version,
                   "cidr": parsed_args.subnet_range,
                   "project_id": cli.project_id(self.cloud, parsed_args)}
        if parsed_args.network:
            filters["network_id"] = cli.find_network(net, parsed_args.network)["id"]
        subnets = net.list_subnets(**filters)
        columns = COLUMNS + (LONG_COLUMNS if parsed_args.long else [])
        return output.listing(sorted(subnets, key=lambda s: (s.get("name") or "", s["id"])),
                              columns)


class ShowSubnet(command.ShowOne):
    """Show a subnet, by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("subnet", metavar="<subnet>", help="name or id")
        return parser

    def take_action(self, parsed_args):
        return view(cli.find_subnet(cli.client(self.cloud), parsed_args.subnet))


class CreateSubnet(command.ShowOne):
    """Create a subnet on a network.

    Its range is --subnet-range, or a prefix taken from --subnet-pool
    (--prefix-length). The gateway is the range's first address unless --gateway
    says otherwise; DHCP is on unless --no-dhcp.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="the new subnet's name")
        parser.add_argument("--network", metavar="<network>", required=True,
                            help="the network it is on (name or id)")
        parser.add_argument("--subnet-range", metavar="<cidr>",
                            help="its addresses, e.g. 10.0.0.0/24")
        parser.add_argument("--subnet-pool", metavar="<subnet-pool>",
                            help="take a range from this subnet pool (name or id)")
        parser.add_argument("--prefix-length", metavar="<bits>", type=int,
                            help="with --subnet-pool: the size of the range taken")
        parser.add_argument("--ip-version", type=int, choices=(4, 6),
                            help="4 or 6 (default: that of --subnet-range, else 4)")
        parser.add_argument("--ipv6-ra-mode",
                            choices=("slaac", "dhcpv6-stateful", "dhcpv6-stateless"))
        parser.add_argument("--ipv6-address-mode",
                            choices=("slaac", "dhcpv6-stateful", "dhcpv6-stateless"))
        _add_common_options(parser)
        cli.add_project_option(parser, "create it in this project (name or id; admin)")
        cli.add_tag_options(parser, "subnet")
        return parser

    def take_action(self, parsed_args):
        if not parsed_args.subnet_range and not parsed_args.subnet_pool:
            raise errors.CommandError("Give the subnet's --subnet-range (or a "
                                      "--subnet-pool to take one from).")
        net = cli.client(self.cloud)
        network = cli.find_network(net, parsed_args.network)
        attrs = cli.attrs_from(parsed_args, "name", "description", "enable_dhcp",
                               "ip_version", "ipv6_ra_mode", "ipv6_address_mode",
                               prefixlen="prefix_length")
        if parsed_args.subnet_pool:
            pool = cli.find_subnet_pool(net, parsed_args.subnet_pool)
            attrs["subnetpool_id"] = pool["id"]
            attrs.setdefault("ip_version", pool["ip_version"])
        attrs.setdefault("ip_version", 6 if ":" in (parsed_args.subnet_range or "")
                         else 4)
        _gateway(parsed_args, attrs)
        if parsed_args.project:
            attrs["project_id"] = cli.project_id(self.cloud, parsed_args)
        if parsed_args.dns_nameservers:
            attrs["dns_nameservers"] = parsed_args.dns_nameservers
        if parsed_args.allocation_pools:
            attrs["allocation_pools"] = parsed_args.allocation_pools
        if parsed_args.host_routes:
            attrs["host_routes"] = _routes(parsed_args)
        subnet = net.create_subnet(network["id"], parsed_args.subnet_range, **attrs)
        return view(cli.apply_tags(net, "subnets", subnet, parsed_args))


class DeleteSubnet(command.Command):
    """Delete one or more subnets, by name or id (with no ports left on them)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("subnets", metavar="<subnet>", nargs="+", help="name or id")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        command.for_each(
            self, parsed_args.subnets,
            lambda name: net.delete_subnet(cli.find_subnet(net, name)["id"]), "subnet")


class SetSubnet(command.Command):
    """Change a subnet: name, description, gateway, DHCP; add name servers,
    allocation pools or host routes (--no-* first clears them); tags."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("subnet", metavar="<subnet>", help="name or id")
        parser.add_argument("--name", metavar="<name>", help="rename it")
        _add_common_options(parser)
        parser.add_argument("--no-dns-nameservers", action="store_true",
                            help="remove its name servers (before --dns-nameserver)")
        parser.add_argument("--no-allocation-pool", action="store_true",
                            help="remove its pools (before --allocation-pool)")
        parser.add_argument("--no-host-route", action="store_true",
                            help="remove its host routes (before --host-route)")
        cli.add_tag_options(parser, "subnet", unset=True)
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        subnet = cli.find_subnet(net, parsed_args.subnet)
        attrs = cli.attrs_from(parsed_args, "name", "description", "enable_dhcp")
        if parsed_args.gateway == "auto":
            raise errors.CommandError("--gateway auto is for a new subnet: give an "
                                      "address or 'none'.")
        _gateway(parsed_args, attrs)

        def merged(key, new, clear):
            if not new and not clear:
                return
            kept = [] if clear else list(subnet.get(key) or [])
            attrs[key] = kept + [item for item in new if item not in kept]

        merged("dns_nameservers", parsed_args.dns_nameservers,
               parsed_args.no_dns_nameservers)
        merged("allocation_pools", parsed_args.allocation_pools,
               parsed_args.no_allocation_pool)
        merged("host_routes", _routes(parsed_args), parsed_args.no_host_route)
        if attrs:
            subnet = net.update_subnet(subnet["id"], **attrs)
        cli.apply_tags(net, "subnets", subnet, parsed_args)


class UnsetSubnet(command.Command):
    """Remove some of a subnet's name servers, allocation pools, host routes or
    tags."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("subnet", metavar="<subnet>", help="name or id")
        parser.add_argument("--dns-nameserver", metavar="<ip-address>",
                            dest="dns_nameservers", action="append", default=[],
                            help="remove this name server (repeat for several)")
        parser.add_argument("--allocation-pool", metavar="start=<ip>,end=<ip>",
                            dest="allocation_pools", type=_pool, action="append",
                            default=[], help="remove this pool (repeat for several)")
        parser.add_argument("--host-route", metavar="destination=<cidr>,gateway=<ip>",
                            dest="host_routes", type=_route, action="append",
                            default=[], help="remove this route (repeat for several)")
        parser.add_argument("--tag", metavar="<tag>", dest="tags", action="append",
                            default=[], help="remove this tag (repeat for several)")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        subnet = cli.find_subnet(net, parsed_args.subnet)
        attrs = {}
        for key, what, unwanted in (
                ("dns_nameservers", "name server", parsed_args.dns_nameservers),
                ("allocation_pools", "allocation pool", parsed_args.allocation_pools),
                ("host_routes", "host route", _routes(parsed_args))):
            if not unwanted:
                continue
            current = list(subnet.get(key) or [])
            missing = [u for u in unwanted if u not in current]
            if missing:
                raise errors.CommandError(f"The subnet has no {what} {missing[0]}.")
            attrs[key] = [item for item in current if item not in unwanted]
        if attrs:
            subnet = net.update_subnet(subnet["id"], **attrs)
        if parsed_args.tags:
            net.set_tags("subnets", subnet["id"], [t for t in subnet.get("tags") or []
                                                   if t not in parsed_args.tags])
