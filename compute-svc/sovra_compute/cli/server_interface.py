"""``sovra server add port|remove port|add network|remove network``: a running
server's NICs (os-interface).

Ports and networks are looked up in the network service (name or id); compute
plugs them. Adding answers once the NIC is plugged (the interface is printed);
removing answers before the agent is done, and ``--wait`` polls until the port is
off the server."""

from sovra_common.cli import command, output, progress
from sovra_compute import cli

_FIELDS = ("port_id", "net_id", "mac_addr", "port_state", "fixed_ips")


def _network(cloud):
    """The network service's client and CLI helpers (imported on first use)."""
    from sovra_network import cli as network_cli

    return network_cli, network_cli.client(cloud)


def _view(interface: dict) -> tuple:
    shown = dict(interface)
    shown["fixed_ips"] = [ip.get("ip_address") for ip in interface.get("fixed_ips") or ()]
    return output.show(shown, fields=_FIELDS)


def _add_wait(parser) -> None:
    parser.add_argument("--wait", action="store_true",
                        help="wait until the NIC is off the server, showing progress "
                             "on a terminal")
    parser.add_argument("--wait-timeout", metavar="<seconds>", type=float,
                        default=300.0, help="give up waiting after this long "
                                            "(default 300)")


def _wait_detached(cmd, compute, server, port_ids: set, timeout: float) -> None:
    label = server.get("name") or server["id"]

    def fetch():
        left = {i["port_id"] for i in compute.list_interfaces(server["id"])} & port_ids
        return {"status": f"detaching {len(left)} port(s)" if left else "detached"}

    progress.wait_for(fetch, ready={"detached"}, failed=set(), stream=cmd.app.stderr,
                      label=label, timeout=timeout, interval=0.5)


class AddPortToServer(command.ShowOne):
    """Plug a NIC on an existing port into a server (the port must be unused)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="name or id")
        parser.add_argument("port", metavar="<port>", help="name or id")
        return parser

    def take_action(self, parsed_args):
        network_cli, net = _network(self.cloud)
        compute = cli.client(self.cloud)
        server = compute.find_server(parsed_args.server)
        port = network_cli.find_port(net, parsed_args.port)
        return _view(compute.attach_interface(server["id"], port_id=port["id"]))


class AddNetworkToServer(command.ShowOne):
    """Plug a NIC on a network into a server: compute makes a port there."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="name or id")
        parser.add_argument("network", metavar="<network>", help="name or id")
        parser.add_argument("--fixed-ip", metavar="<ip-address>",
                            help="the new port's address (default: one of the "
                                 "network's free ones)")
        return parser

    def take_action(self, parsed_args):
        network_cli, net = _network(self.cloud)
        compute = cli.client(self.cloud)
        server = compute.find_server(parsed_args.server)
        network = network_cli.find_network(net, parsed_args.network)
        return _view(compute.attach_interface(server["id"], net_id=network["id"],
                                              fixed_ip=parsed_args.fixed_ip))


class RemovePortFromServer(command.Command):
    """Unplug a server's NIC on this port (a port compute made is deleted, one you
    gave is kept, unbound)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="name or id")
        parser.add_argument("port", metavar="<port>", help="name or id")
        _add_wait(parser)
        return parser

    def take_action(self, parsed_args):
        network_cli, net = _network(self.cloud)
        compute = cli.client(self.cloud)
        server = compute.find_server(parsed_args.server)
        port = network_cli.find_port(net, parsed_args.port)
        compute.detach_interface(server["id"], port["id"])
        if parsed_args.wait:
            _wait_detached(self, compute, server, {port["id"]}, parsed_args.wait_timeout)


class RemoveNetworkFromServer(command.Command):
    """Unplug every NIC a server has on this network."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="name or id")
        parser.add_argument("network", metavar="<network>", help="name or id")
        _add_wait(parser)
        return parser

    def take_action(self, parsed_args):
        from sovra_common.cli import errors

        network_cli, net = _network(self.cloud)
        compute = cli.client(self.cloud)
        server = compute.find_server(parsed_args.server)
        network = network_cli.find_network(net, parsed_args.network)
        port_ids = {i["port_id"] for i in compute.list_interfaces(server["id"])
                    if i.get("net_id") == network["id"]}
        if not port_ids:
            raise errors.CommandError(f"{server.get('name') or server['id']} has no NIC "
                                      f"on network {parsed_args.network}")
        for port_id in sorted(port_ids):
            compute.detach_interface(server["id"], port_id)
        if parsed_args.wait:
            _wait_detached(self, compute, server, port_ids, parsed_args.wait_timeout)
