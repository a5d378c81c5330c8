"""``sovra floating ip port forwarding list|show|create|delete|set``: a TCP or UDP
port of a floating IP forwarded to a port of one of a port's addresses. The
floating IP is named by its address or id, a forwarding by its id."""

from sovra_common.cli import command, errors, output
from sovra_network import cli

COLUMNS = [("ID", "id"), ("Internal Port ID", "internal_port_id"),
           ("Internal IP Address", "internal_ip_address"),
           ("Internal Port", "internal_port"), ("External Port", "external_port"),
           ("Protocol", "protocol"), ("Description", "description")]


def _port_number(text: str) -> int:
    import argparse

    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: not a port number") from None
    if not 1 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"{number}: ports are 1-65535")
    return number


def _add_target_options(parser, required: bool) -> None:
    parser.add_argument("--port", metavar="<port>", required=required,
                        help="the port it forwards to (name or id)")
    parser.add_argument("--internal-ip-address", metavar="<ip>",
                        help="which of the port's addresses (default: its first "
                             "IPv4 address)")
    parser.add_argument("--internal-protocol-port", metavar="<port>",
                        type=_port_number, dest="internal_port", required=required,
                        help="the port number there")
    parser.add_argument("--external-protocol-port", metavar="<port>",
                        type=_port_number, dest="external_port", required=required,
                        help="the port number on the floating IP")
    parser.add_argument("--protocol", choices=("tcp", "udp"), required=required)
    parser.add_argument("--description", metavar="<text>")


def _target(net, parsed_args) -> dict:
    attrs = cli.attrs_from(parsed_args, "internal_port", "external_port", "protocol",
                           "description", internal_ip_address="internal_ip_address")
    if parsed_args.port:
        port = cli.find_port(net, parsed_args.port)
        attrs["internal_port_id"] = port["id"]
        if not parsed_args.internal_ip_address:
            v4 = [f["ip_address"] for f in port.get("fixed_ips") or []
                  if ":" not in f["ip_address"]]
            if not v4:
                raise errors.CommandError(f"Port {port['id']} has no IPv4 address.")
            attrs["internal_ip_address"] = v4[0]
    elif parsed_args.internal_ip_address:
        raise errors.CommandError("--internal-ip-address goes with --port.")
    return attrs


class ListPortForwarding(command.Lister):
    """List a floating IP's port forwardings."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("floating_ip", metavar="<floating-ip>", help="address or id")
        parser.add_argument("--port", metavar="<port>",
                            help="only those to this port (name or id)")
        parser.add_argument("--external-protocol-port", metavar="<port>",
                            type=_port_number, dest="external_port",
                            help="only the one of this external port")
        parser.add_argument("--protocol", choices=("tcp", "udp"))
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        floating_ip = cli.find_floating_ip(net, parsed_args.floating_ip)
        filters = cli.attrs_from(parsed_args, "external_port", "protocol")
        if parsed_args.port:
            filters["internal_port_id"] = cli.find_port(net, parsed_args.port)["id"]
        forwardings = net.list_port_forwardings(floating_ip["id"], **filters)
        return output.listing(sorted(forwardings, key=lambda f: (f["protocol"],
                                                                 f["external_port"])),
                              COLUMNS)


class ShowPortForwarding(command.ShowOne):
    """Show a port forwarding of a floating IP."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("floating_ip", metavar="<floating-ip>", help="address or id")
        parser.add_argument("forwarding", metavar="<port-forwarding>", help="its id")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        floating_ip = cli.find_floating_ip(net, parsed_args.floating_ip)
        return output.show(net.get_port_forwarding(floating_ip["id"],
                                                   parsed_args.forwarding))


class CreatePortForwarding(command.ShowOne):
    """Forward a TCP or UDP port of a floating IP to a port's address.

    The floating IP must not be associated with a port (it forwards ports or is
    associated, never both); the port's network must reach the floating IP's
    network through a router.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("floating_ip", metavar="<floating-ip>", help="address or id")
        _add_target_options(parser, required=True)
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        floating_ip = cli.find_floating_ip(net, parsed_args.floating_ip)
        return output.show(net.create_port_forwarding(floating_ip["id"],
                                                      **_target(net, parsed_args)))


class DeletePortForwarding(command.Command):
    """Delete one or more port forwardings of a floating IP."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("floating_ip", metavar="<floating-ip>", help="address or id")
        parser.add_argument("forwardings", metavar="<port-forwarding>", nargs="+",
                            help="its id")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        floating_ip = cli.find_floating_ip(net, parsed_args.floating_ip)
        command.for_each(
            self, parsed_args.forwardings,
            lambda fid: net.delete_port_forwarding(floating_ip["id"], fid),
            "port forwarding")


class SetPortForwarding(command.Command):
    """Change a port forwarding: where it goes, its ports, protocol or
    description."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("floating_ip", metavar="<floating-ip>", help="address or id")
        parser.add_argument("forwarding", metavar="<port-forwarding>", help="its id")
        _add_target_options(parser, required=False)
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        floating_ip = cli.find_floating_ip(net, parsed_args.floating_ip)
        attrs = _target(net, parsed_args)
        if attrs:
            net.update_port_forwarding(floating_ip["id"], parsed_args.forwarding, **attrs)
