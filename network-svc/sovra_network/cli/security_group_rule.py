"""``sovra security group rule list|show|create|delete``."""

from sovra_common.cli import command, errors, output
from sovra_network import cli
from sovra_network.cli.security_group import port_range

COLUMNS = [("ID", "id"), ("IP Protocol", "protocol"), ("Ethertype", "ethertype"),
           ("IP Range", "remote_ip_prefix"), ("Port Range", "port_range"),
           ("Direction", "direction"), ("Remote Security Group", "remote_group_id"),
           ("Security Group", "security_group_id")]


def _port_range(text: str) -> tuple[int, int]:
    """argparse type of ``--dst-port``: ``N`` or ``N:M`` (a usage error otherwise)."""
    import argparse

    low, _, high = text.partition(":")
    try:
        first, last = int(low), int(high or low)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected <port> or <first>:<last>") from None
    if not 0 <= first <= last <= 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r}: ports are 0-65535, the first not above the last")
    return first, last


class ListSecurityGroupRule(command.Lister):
    """List security group rules (of one group, or of every group you see)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("group", metavar="<group>", nargs="?",
                            help="only this group's rules (name or id)")
        direction = parser.add_mutually_exclusive_group()
        direction.add_argument("--ingress", dest="direction", action="store_const",
                               const="ingress", help="only ingress rules")
        direction.add_argument("--egress", dest="direction", action="store_const",
                               const="egress", help="only egress rules")
        parser.add_argument("--protocol", metavar="<protocol>",
                            help="only rules of this protocol (tcp, udp, icmp...)")
        parser.add_argument("--ethertype", choices=("IPv4", "IPv6"),
                            help="only IPv4 or IPv6 rules")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        filters = cli.attrs_from(parsed_args, "direction", "protocol", "ethertype")
        if parsed_args.group:
            filters["security_group_id"] = cli.find_security_group(
                net, parsed_args.group)["id"]
        rules = [dict(r, port_range=port_range(r))
                 for r in net.list_security_group_rules(**filters)]
        rules.sort(key=lambda r: (r["security_group_id"], r["direction"],
                                  r["ethertype"], r.get("protocol") or "", r["id"]))
        return output.listing(rules, COLUMNS)


class ShowSecurityGroupRule(command.ShowOne):
    """Show a security group rule (by id)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("rule", metavar="<rule>", help="its id")
        return parser

    def take_action(self, parsed_args):
        return output.show(cli.client(self.cloud).get_security_group_rule(
            parsed_args.rule))


class CreateSecurityGroupRule(command.ShowOne):
    """Add a rule to a security group: traffic it allows in (--ingress, the
    default) or out (--egress).

    What it matches: --protocol (tcp, udp, icmp, a number, or any: the default),
    --dst-port N or N:M for tcp/udp, --icmp-type/--icmp-code for icmp, and where
    from/to: --remote-ip (a CIDR) or --remote-group (its members' addresses);
    neither means anywhere.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("group", metavar="<group>",
                            help="the group it goes in (name or id)")
        direction = parser.add_mutually_exclusive_group()
        direction.add_argument("--ingress", dest="direction", action="store_const",
                               const="ingress", default="ingress",
                               help="allow traffic in (the default)")
        direction.add_argument("--egress", dest="direction", action="store_const",
                               const="egress", help="allow traffic out")
        parser.add_argument("--protocol", metavar="<protocol>",
                            help="tcp, udp, icmp, ipv6-icmp, ..., a protocol number, "
                                 "or any (the default)")
        parser.add_argument("--dst-port", metavar="<port>[:<port>]", type=_port_range,
                            help="destination port or range (tcp, udp, sctp...)")
        parser.add_argument("--icmp-type", metavar="<type>", type=int,
                            help="ICMP type (icmp or ipv6-icmp)")
        parser.add_argument("--icmp-code", metavar="<code>", type=int,
                            help="ICMP code (with --icmp-type)")
        remote = parser.add_mutually_exclusive_group()
        remote.add_argument("--remote-ip", metavar="<cidr>",
                            help="from (or to) these addresses")
        remote.add_argument("--remote-group", metavar="<group>",
                            help="from (or to) this group's ports (name or id)")
        parser.add_argument("--ethertype", choices=("IPv4", "IPv6"),
                            help="IPv4 or IPv6 (default: that of --remote-ip, else "
                                 "IPv4)")
        parser.add_argument("--description", metavar="<text>")
        return parser

    def take_action(self, parsed_args):
        protocol = parsed_args.protocol.lower() if parsed_args.protocol else None
        if protocol == "any":
            protocol = None
        if parsed_args.dst_port and (parsed_args.icmp_type is not None
                                     or parsed_args.icmp_code is not None):
            raise errors.CommandError("--dst-port is for tcp/udp, --icmp-type and "
                                      "--icmp-code for icmp: not both.")
        if parsed_args.icmp_code is not None and parsed_args.icmp_type is None:
            raise errors.CommandError("--icmp-code goes with --icmp-type.")
        net = cli.client(self.cloud)
        group = cli.find_security_group(net, parsed_args.group)
        attrs = cli.attrs_from(parsed_args, "description",
                               remote_ip_prefix="remote_ip")
        if protocol is not None:
            attrs["protocol"] = protocol
        if parsed_args.dst_port:
            attrs["port_range_min"], attrs["port_range_max"] = parsed_args.dst_port
        if parsed_args.icmp_type is not None:
            attrs["port_range_min"] = parsed_args.icmp_type
            if parsed_args.icmp_code is not None:
                attrs["port_range_max"] = parsed_args.icmp_code
        if parsed_args.remote_group:
            attrs["remote_group_id"] = cli.find_security_group(
                net, parsed_args.remote_group)["id"]
        ethertype = parsed_args.ethertype
        if ethertype is None:
            v6 = ":" in (parsed_args.remote_ip or "") or protocol in ("ipv6-icmp",
                                                                       "icmpv6")
            ethertype = "IPv6" if v6 else "IPv4"
        rule = net.create_security_group_rule(group["id"], parsed_args.direction,
                                              ethertype=ethertype, **attrs)
        return output.show(rule)


class DeleteSecurityGroupRule(command.Command):
    """Delete one or more security group rules (by id)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("rules", metavar="<rule>", nargs="+", help="its id")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        command.for_each(self, parsed_args.rules, net.delete_security_group_rule,
                         "security group rule")
