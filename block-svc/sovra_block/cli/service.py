"""``sovra volume service list`` (os-services)."""

from sovra_block import cli
from sovra_common.cli import command, output


class ListVolumeService(command.Lister):
    """List volume services: one per backend a volume agent serves
    (<host>@<backend>), up or down by its last report (admin)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--host", metavar="<host>",
                            help="only this host's (<host>@<backend>)")
        return parser

    def take_action(self, parsed_args):
        services = cli.client(self.cloud).list_services(host=parsed_args.host)
        return output.listing(
            sorted(services, key=lambda s: (s["binary"], s["host"])),
            [("Binary", "binary"), ("Host", "host"), ("Zone", "zone"),
             ("Status", "status"), ("State", "state"), ("Updated At", "updated_at")])
