"""``sovra volume type list|show|create|delete``."""

from sovra_block import cli
from sovra_common.cli import command, output


def view(volume_type: dict) -> tuple:
    return output.show(volume_type)


class ListVolumeType(command.Lister):
    """List volume types (admins: --all, private ones too)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--all", action="store_true",
                            help="public and private types (admin)")
        parser.add_argument("--long", action="store_true",
                            help="also show the description and extra specs")
        return parser

    def take_action(self, parsed_args):
        block = cli.client(self.cloud)
        types = block.list_volume_types(**({"is_public": "none"} if parsed_args.all
                                           else {}))
        columns = [("ID", "id"), ("Name", "name"), ("Is Public", "is_public")]
        if parsed_args.long:
            columns += [("Description", "description"), ("Extra Specs", "extra_specs")]
        return output.listing(types, columns)


class ShowVolumeType(command.ShowOne):
    """Show a volume type, by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("volume_type", metavar="<type>", help="name or id")
        return parser

    def take_action(self, parsed_args):
        return view(cli.find_volume_type(cli.client(self.cloud), parsed_args.volume_type))


class CreateVolumeType(command.ShowOne):
    """Create a volume type (admin). Its extra specs steer the scheduler and the
    backend, e.g. --property volume_backend_name=file."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="the new type's name")
        parser.add_argument("--description", metavar="<text>", help="a description")
        visibility = parser.add_mutually_exclusive_group()
        visibility.add_argument("--public", dest="public", action="store_true",
                                default=True, help="every project may use it (default)")
        visibility.add_argument("--private", dest="public", action="store_false",
                                help="only projects given access may use it")
        cli.add_property_option(parser, "an extra spec of the type")
        return parser

    def take_action(self, parsed_args):
        return view(cli.client(self.cloud).create_volume_type(
            parsed_args.name, description=parsed_args.description,
            is_public=parsed_args.public, extra_specs=dict(parsed_args.properties)))


class DeleteVolumeType(command.Command):
    """Delete one or more volume types, by name or id (admin; not one in use)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("volume_types", metavar="<type>", nargs="+",
                            help="name or id")
        return parser

    def take_action(self, parsed_args):
        block = cli.client(self.cloud)

        def delete(name):
            block.delete_volume_type(cli.find_volume_type(block, name)["id"])

        command.for_each(self, parsed_args.volume_types, delete, "volume type")
