"""``sovra ip availability list|show``: per network (and subnet), how many addresses
its pools hold and how many are in use (admin; /v2.0/network-ip-availabilities)."""

from sovra_common.cli import command, output
from sovra_network import cli

COLUMNS = [("Network ID", "network_id"), ("Network Name", "network_name"),
           ("Total IPs", "total_ips"), ("Used IPs", "used_ips")]
FIELDS = ["network_id", "network_name", "project_id", "total_ips", "used_ips",
          "subnet_ip_availability"]


class ListIpAvailability(command.Lister):
    """List IP availability of networks."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--ip-version", metavar="<4|6>", type=int, choices=(4, 6),
                            help="only networks with a subnet of this IP version")
        cli.add_project_option(parser, "only this project's networks (name or id)")
        return parser

    def take_action(self, parsed_args):
        items = cli.client(self.cloud).list_network_ip_availabilities(
            ip_version=parsed_args.ip_version,
            project_id=cli.project_id(self.cloud, parsed_args))
        return output.listing(items, COLUMNS)


class ShowIpAvailability(command.ShowOne):
    """Show a network's IP availability, by network name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("network", metavar="<network>", help="name or id")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        network_id = cli.find_network(net, parsed_args.network)["id"]
        return output.show(net.get_network_ip_availability(network_id), FIELDS)
