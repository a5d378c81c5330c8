"""``sovra flavor list|show``."""

from sovra_common.cli import command, output
from sovra_compute import cli

COLUMNS = [("ID", "id"), ("Name", "name"), ("RAM", "ram"), ("Disk", "disk"),
           ("Ephemeral", "OS-FLV-EXT-DATA:ephemeral"), ("VCPUs", "vcpus"),
           ("Is Public", "os-flavor-access:is_public")]


class ListFlavor(command.Lister):
    """List flavors (public ones; --all adds private ones for an admin)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--all", action="store_true",
                            help="public and private flavors (admin)")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        flavors = compute.list_flavors(is_public="None" if parsed_args.all else None)
        return output.listing(sorted(flavors, key=lambda f: (f["ram"], f["name"])),
                              COLUMNS)


class ShowFlavor(command.ShowOne):
    """Show a flavor, by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("flavor", metavar="<flavor>", help="name or id")
        return parser

    def take_action(self, parsed_args):
        return output.show(cli.client(self.cloud).find_flavor(parsed_args.flavor))
