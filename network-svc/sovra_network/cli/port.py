"""``sovra port list|show|create|delete|set``."""

from sovra_common.cli import command, errors, output
from sovra_network import cli

COLUMNS = [("ID", "id"), ("Name", "name"), ("MAC Address", "mac_address"),
           ("Fixed IP Addresses", "fixed_ips"), ("Status", "status")]
LONG_COLUMNS = [("Network", "network_id"), ("Security Groups", "security_groups"),
                ("Device Owner", "device_owner"), ("Device", "device_id"),
                ("Host", "binding:host_id"), ("Tags", "tags")]

_fixed_ip = cli.key_values("subnet", "ip-address")
_address_pair = cli.key_values("ip-address", "mac-address", required=("ip-address",))


def view(port: dict) -> tuple:
    return output.show(port)


def _add_common_options(parser) -> None:
    """The options create and set share."""
    parser.add_argument("--description", metavar="<text>")
    parser.add_argument("--fixed-ip", metavar="subnet=<subnet>,ip-address=<ip>",
                        dest="fixed_ips", type=_fixed_ip, action="append", default=[],
                        help="an address for it: from this subnet (name or id), this "
                             "address, or both (repeat for several; default: one "
                             "from each subnet of the network)")
    parser.add_argument("--security-group", metavar="<group>", dest="security_groups",
                        action="append", default=[],
                        help="a security group for it (name or id; repeat for "
                             "several; default: the project's 'default')")
    parser.add_argument("--no-security-group", action="store_true",
                        help="no security group at all (before --security-group on "
                             "set)")
    cli.add_port_security_options(parser, "network")
    cli.add_enable_options(parser, "port")
    parser.add_argument("--device", metavar="<device-id>", dest="device_id",
                        help="what uses it (a server's or router's id)")
    parser.add_argument("--device-owner", metavar="<owner>",
                        help="the kind of user, e.g. compute:nova")
    parser.add_argument("--host", metavar="<host>", dest="host_id",
                        help="bind it to this node, whose agent plugs it (admin)")
    parser.add_argument("--vnic-type", metavar="<type>", dest="vnic_type",
                        help="normal (the default)")
    parser.add_argument("--allowed-address", metavar="ip-address=<ip>[,mac-address=<mac>]",
                        dest="allowed_addresses", type=_address_pair, action="append",
                        default=[], help="another address (or CIDR) it may send from "
                                         "(repeat for several)")


def _fixed_ips(net, entries: list[dict]) -> list[dict]:
    fixed = []
    for entry in entries:
        item = {}
        if entry.get("subnet"):
            item["subnet_id"] = cli.find_subnet(net, entry["subnet"])["id"]
        if entry.get("ip-address"):
            item["ip_address"] = entry["ip-address"]
        if not item:
            raise errors.CommandError("--fixed-ip needs subnet=<subnet>, "
                                      "ip-address=<ip> or both.")
        fixed.append(item)
    return fixed


def _pairs(entries: list[dict]) -> list[dict]:
    return [{"ip_address": e["ip-address"],
             **({"mac_address": e["mac-address"]} if e.get("mac-address") else {})}
            for e in entries]


def _attrs(parsed_args) -> dict:
    """The attributes both create and set send (fixed IPs, groups and pairs aside)."""
    if parsed_args.port_security_enabled is False and parsed_args.security_groups:
        raise errors.CommandError("A port without port security has no security "
                                  "groups: --security-group goes with port security.")
    return cli.attrs_from(parsed_args, "description", "admin_state_up",
                          "port_security_enabled", "device_id", "device_owner",
                          **{"binding:host_id": "host_id",
                             "binding:vnic_type": "vnic_type"})


class ListPort(command.Lister):
    """List ports."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--name", metavar="<name>", help="only ports of this name")
        parser.add_argument("--network", metavar="<network>",
                            help="only ports on this network (name or id)")
        parser.add_argument("--router", metavar="<router>",
                            help="only this router's ports (name or id)")
        parser.add_argument("--device", metavar="<device-id>", dest="device_id",
                            help="only the ports of this device (a server's id...)")
        parser.add_argument("--device-owner", metavar="<owner>",
                            help="only ports of this owner, e.g. network:dhcp")
        parser.add_argument("--mac-address", metavar="<mac>",
                            help="only the port with this MAC address")
        parser.add_argument("--host", metavar="<host>", dest="host_id",
                            help="only ports bound to this node (admin)")
        cli.add_project_option(parser, "only this project's ports (name or id)")
        parser.add_argument("--long", action="store_true",
                            help="also show network, security groups, device, owner, "
                                 "host and tags")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        filters = cli.attrs_from(parsed_args, "name", "device_id", "device_owner",
                                 "mac_address", **{"binding:host_id": "host_id"})
        if parsed_args.network:
            filters["network_id"] = cli.find_network(net, parsed_args.network)["id"]
        if parsed_args.router:
            filters["device_id"] = cli.find_router(net, parsed_args.router)["id"]
        if parsed_args.project:
            filters["project_id"] = cli.project_id(self.cloud, parsed_args)
        ports = net.list_ports(**filters)
        columns = COLUMNS + (LONG_COLUMNS if parsed_args.long else [])
        return output.listing(sorted(ports, key=lambda p: (p.get("name") or "", p["id"])),
                              columns)


class ShowPort(command.ShowOne):
    """Show a port, by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("port", metavar="<port>", help="name or id")
        return parser

    def take_action(self, parsed_args):
        return view(cli.find_port(cli.client(self.cloud), parsed_args.port))


class CreatePort(command.ShowOne):
    """Create a port on a network.

    It gets an address from each subnet of the network unless --fixed-ip says
    which, a MAC address (or --mac-address) and the project's 'default' security
    group unless --security-group / --no-security-group say otherwise.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="the new port's name")
        parser.add_argument("--network", metavar="<network>", required=True,
                            help="the network it is on (name or id)")
        parser.add_argument("--mac-address", metavar="<mac>",
                            help="its MAC address (default: a generated one)")
        _add_common_options(parser)
        cli.add_project_option(parser, "create it in this project (name or id; admin)")
        cli.add_tag_options(parser, "port")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        network = cli.find_network(net, parsed_args.network)
        attrs = _attrs(parsed_args)
        attrs["name"] = parsed_args.name
        if parsed_args.mac_address:
            attrs["mac_address"] = parsed_args.mac_address
        if parsed_args.project:
            attrs["project_id"] = cli.project_id(self.cloud, parsed_args)
        if parsed_args.fixed_ips:
            attrs["fixed_ips"] = _fixed_ips(net, parsed_args.fixed_ips)
        if parsed_args.no_security_group:
            attrs["security_groups"] = []
        if parsed_args.security_groups:
            attrs["security_groups"] = [cli.find_security_group(net, g)["id"]
                                        for g in parsed_args.security_groups]
        if parsed_args.allowed_addresses:
            attrs["allowed_address_pairs"] = _pairs(parsed_args.allowed_addresses)
        port = net.create_port(network["id"], **attrs)
        return view(cli.apply_tags(net, "ports", port, parsed_args))


class DeletePort(command.Command):
    """Delete one or more ports, by name or id (not a router's: remove it from the
    router instead)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("ports", metavar="<port>", nargs="+", help="name or id")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        command.for_each(
            self, parsed_args.ports,
            lambda name: net.delete_port(cli.find_port(net, name)["id"]), "port")


class SetPort(command.Command):
    """Change a port: name, description, state, port security, device, host; add
    fixed IPs, security groups or allowed addresses (--no-* first clears them);
    tags."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("port", metavar="<port>", help="name or id")
        parser.add_argument("--name", metavar="<name>", help="rename it")
        parser.add_argument("--no-fixed-ip", action="store_true",
                            help="remove its addresses (before --fixed-ip)")
        parser.add_argument("--no-allowed-address", action="store_true",
                            help="remove its allowed addresses (before "
                                 "--allowed-address)")
        _add_common_options(parser)
        cli.add_tag_options(parser, "port", unset=True)
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        port = cli.find_port(net, parsed_args.port)
        attrs = _attrs(parsed_args)
        if parsed_args.name is not None:
            attrs["name"] = parsed_args.name

        def merged(key, new, clear):
            if not new and not clear:
                return
            kept = [] if clear else list(port.get(key) or [])
            attrs[key] = kept + [item for item in new if item not in kept]

        merged("fixed_ips", _fixed_ips(net, parsed_args.fixed_ips),
               parsed_args.no_fixed_ip)
        merged("security_groups",
               [cli.find_security_group(net, g)["id"]
                for g in parsed_args.security_groups], parsed_args.no_security_group)
        merged("allowed_address_pairs", _pairs(parsed_args.allowed_addresses),
               parsed_args.no_allowed_address)
        if attrs:
            port = net.update_port(port["id"], **attrs)
        cli.apply_tags(net, "ports", port, parsed_args)


class UnsetPort(command.Command):
    """Remove some of a port's fixed IPs, security groups, allowed addresses or
    tags."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("port", metavar="<port>", help="name or id")
        parser.add_argument("--fixed-ip", metavar="subnet=<subnet>,ip-address=<ip>",
                            dest="fixed_ips", type=_fixed_ip, action="append",
                            default=[], help="remove the addresses that match: of "
                                             "this subnet, this address, or both "
                                             "(repeat for several)")
        parser.add_argument("--security-group", metavar="<group>",
                            dest="security_groups", action="append", default=[],
                            help="remove this security group (name or id; repeat "
                                 "for several)")
        parser.add_argument("--allowed-address",
                            metavar="ip-address=<ip>[,mac-address=<mac>]",
                            dest="allowed_addresses", type=_address_pair,
                            action="append", default=[],
                            help="remove this allowed address (repeat for several)")
        parser.add_argument("--tag", metavar="<tag>", dest="tags", action="append",
                            default=[], help="remove this tag (repeat for several)")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        port = cli.find_port(net, parsed_args.port)
        attrs = {}
        if parsed_args.fixed_ips:
            unwanted = _fixed_ips(net, parsed_args.fixed_ips)
            kept = [f for f in port.get("fixed_ips") or []
                    if not any(all(f.get(k) == v for k, v in u.items()) for u in unwanted)]
            if len(kept) == len(port.get("fixed_ips") or []):
                raise errors.CommandError("The port has no such fixed IP.")
            attrs["fixed_ips"] = kept
        if parsed_args.security_groups:
            unwanted = {cli.find_security_group(net, g)["id"]
                        for g in parsed_args.security_groups}
            attrs["security_groups"] = [g for g in port.get("security_groups") or []
                                        if g not in unwanted]
        if parsed_args.allowed_addresses:
            unwanted = _pairs(parsed_args.allowed_addresses)
            attrs["allowed_address_pairs"] = [
                p for p in port.get("allowed_address_pairs") or []
                if not any(all(p.get(k) == v for k, v in u.items()) for u in unwanted)]
        if attrs:
            port = net.update_port(port["id"], **attrs)
        if parsed_args.tags:
            net.set_tags("ports", port["id"], [t for t in port.get("tags") or []
                                               if t not in parsed_args.tags])
