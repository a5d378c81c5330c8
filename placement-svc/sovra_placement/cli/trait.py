"""``sovra trait list|show|create|delete`` and ``sovra resource provider trait
list|set|delete``."""

from sovra_common.cli import command, output
from sovra_placement import cli
from sovra_placement.cli.resource_provider import ProviderCommand


def _names(traits) -> tuple:
    return output.listing(({"name": t} for t in sorted(traits)), [("name", "name")])


class ListTrait(command.Lister):
    """List traits (standard and custom)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--name", metavar="<filter>",
                            help="startswith:<prefix> or in:<name>,<name>...")
        parser.add_argument("--associated", action="store_true",
                            help="only traits some resource provider has")
        return parser

    def take_action(self, parsed_args):
        return _names(cli.client(self.cloud).list_traits(
            name=parsed_args.name, associated=True if parsed_args.associated else None))


class ShowTrait(command.ShowOne):
    """Show a trait (fails with the 404 if there is no such trait)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>")
        return parser

    def take_action(self, parsed_args):
        cli.client(self.cloud).check_trait(parsed_args.name)
        return output.show({"name": parsed_args.name}, ["name"])


class CreateTrait(command.Command):
    """Create a custom trait (its name starts with CUSTOM_)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>")
        return parser

    def take_action(self, parsed_args):
        cli.client(self.cloud).create_trait(parsed_args.name)


class DeleteTrait(command.Command):
    """Delete a custom trait (refused while a resource provider has it)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>")
        return parser

    def take_action(self, parsed_args):
        cli.client(self.cloud).delete_trait(parsed_args.name)


class ListResourceProviderTrait(ProviderCommand, command.Lister):
    """List a resource provider's traits."""

    def take_action(self, parsed_args):
        placement = cli.client(self.cloud)
        uuid = self.provider_uuid(placement, parsed_args)
        return _names(placement.get_provider_traits(uuid)["traits"])


class SetResourceProviderTrait(ProviderCommand, command.Lister):
    """Replace a resource provider's traits (every trait not named is removed)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--trait", metavar="<trait>", action="append", default=[],
                            dest="traits", help="a trait it has (repeat for more; none: "
                                                "it has no trait any more)")
        return parser

    def take_action(self, parsed_args):
        placement = cli.client(self.cloud)
        uuid = self.provider_uuid(placement, parsed_args)
        current = placement.get_provider_traits(uuid)
        result = placement.set_provider_traits(uuid, sorted(set(parsed_args.traits)),
                                               current["resource_provider_generation"])
        return _names(result["traits"])


class DeleteResourceProviderTrait(ProviderCommand, command.Command):
    """Remove every trait of a resource provider."""

    def take_action(self, parsed_args):
        placement = cli.client(self.cloud)
        placement.delete_provider_traits(self.provider_uuid(placement, parsed_args))
