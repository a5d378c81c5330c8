"""``sovra compute service list`` (os-services)."""

from sovra_common.cli import command, output
from sovra_compute import cli


class ListComputeService(command.Lister):
    """List compute services (conductor, agents): state, status, last heartbeat."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--host", metavar="<host>", help="only this host's")
        parser.add_argument("--service", metavar="<binary>",
                            help="only this binary's (e.g. nova-compute)")
        return parser

    def take_action(self, parsed_args):
        services = cli.client(self.cloud).list_services(host=parsed_args.host,
                                                        binary=parsed_args.service)
        return output.listing(
            sorted(services, key=lambda s: (s["binary"], s["host"])),
            [("ID", "id"), ("Binary", "binary"), ("Host", "host"), ("Zone", "zone"),
             ("Status", "status"), ("State", "state"), ("Updated At", "updated_at")])
