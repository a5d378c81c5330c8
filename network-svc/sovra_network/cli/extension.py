"""``sovra extension list|show``: the API extensions the network service offers
(/v2.0/extensions; ``--network`` is accepted as ``openstack`` has it)."""

from sovra_common.cli import command, output
from sovra_network import cli

COLUMNS = [("Name", "name"), ("Alias", "alias"), ("Description", "description")]
LONG_COLUMNS = [("Updated", "updated")]
FIELDS = ["alias", "name", "description", "updated", "links"]


class ListExtension(command.Lister):
    """List the network API's extensions."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--network", action="store_true",
                            help="the network API's (the only ones listed here)")
        parser.add_argument("--long", action="store_true", help="also show Updated")
        return parser

    def take_action(self, parsed_args):
        extensions = cli.client(self.cloud).list_extensions()
        columns = COLUMNS + (LONG_COLUMNS if parsed_args.long else [])
        return output.listing(sorted(extensions, key=lambda e: e["alias"]), columns)


class ShowExtension(command.ShowOne):
    """Show a network API extension, by alias."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("extension", metavar="<extension>", help="its alias")
        return parser

    def take_action(self, parsed_args):
        return output.show(cli.client(self.cloud).get_extension(parsed_args.extension),
                           FIELDS)
