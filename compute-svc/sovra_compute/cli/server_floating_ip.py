"""``sovra server add|remove floating ip``: a server's floating IPs, as ``openstack``
has them.

A floating IP belongs to a port, not to a server: adding one associates it with
the server's port (the one holding ``--fixed-ip-address``, else the first of its
ports the network API accepts, i.e. whose network a router joins to the floating
IP's network); removing one disassociates it. Both go through the network
service; compute only names the server."""

from sovra_common.cli import command
from sovra_compute import cli


def _network(cloud):
    """The network service's client and CLI helpers (imported on first use)."""
    from sovra_network import cli as network_cli

    return network_cli, network_cli.client(cloud)


def _server_ports(net, server: dict) -> list[dict]:
    return sorted(net.list_ports(device_id=server["id"]), key=lambda p: p["id"])


class AddFloatingIPToServer(command.Command):
    """Associate a floating IP with a server (with the port holding
    --fixed-ip-address, else the first of its ports that the floating IP's
    network is routed to)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="name or id")
        parser.add_argument("ip_address", metavar="<ip-address>",
                            help="the floating IP (address or id)")
        parser.add_argument("--fixed-ip-address", metavar="<ip-address>",
                            help="the server's fixed address to map it to (default: "
                                 "its first port's)")
        return parser

    def take_action(self, parsed_args):
        from keystoneauth1 import exceptions as ks_exc

        from sovra_common.cli import errors

        network_cli, net = _network(self.cloud)
        server = cli.client(self.cloud).find_server(parsed_args.server)
        floating_ip = network_cli.find_floating_ip(net, parsed_args.ip_address)
        label = server.get("name") or server["id"]
        ports = _server_ports(net, server)
        wanted = parsed_args.fixed_ip_address
        if wanted:
            ports = [p for p in ports
                     if wanted in {ip["ip_address"] for ip in p.get("fixed_ips") or ()}]
            if not ports:
                raise errors.CommandError(f"{label} has no port with the address "
                                          f"{wanted}")
        if not ports:
            raise errors.CommandError(f"{label} has no port to associate "
                                      f"{floating_ip['floating_ip_address']} with")
        attrs = {"fixed_ip_address": wanted} if wanted else {}
        for index, port in enumerate(ports):
            try:
                net.update_floating_ip(floating_ip["id"], port_id=port["id"], **attrs)
                return
            except ks_exc.NotFound:
                # no router from this port's network to the floating IP's: try
                # the next port (the last one's refusal is the error shown)
                if index == len(ports) - 1:
                    raise


class RemoveFloatingIPFromServer(command.Command):
    """Disassociate a floating IP from a server."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="name or id")
        parser.add_argument("ip_address", metavar="<ip-address>",
                            help="the floating IP (address or id)")
        return parser

    def take_action(self, parsed_args):
        from sovra_common.cli import errors

        network_cli, net = _network(self.cloud)
        server = cli.client(self.cloud).find_server(parsed_args.server)
        floating_ip = network_cli.find_floating_ip(net, parsed_args.ip_address)
        ports = {p["id"] for p in _server_ports(net, server)}
        if floating_ip.get("port_id") not in ports:
            raise errors.CommandError(
                f"{floating_ip['floating_ip_address']} is not associated with "
                f"{server.get('name') or server['id']}")
        net.update_floating_ip(floating_ip["id"], port_id=None)
