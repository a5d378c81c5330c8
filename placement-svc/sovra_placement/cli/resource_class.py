"""``sovra resource class list|show|create|set|delete``."""

from sovra_common.cli import command, output
from sovra_placement import cli


class ListResourceClass(command.Lister):
    """List resource classes (standard and custom)."""

    def take_action(self, parsed_args):
        classes = cli.client(self.cloud).list_resource_classes()
        return output.listing(sorted(classes, key=lambda c: c["name"]), [("name", "name")])


class CreateResourceClass(command.Command):
    """Create a custom resource class (its name starts with CUSTOM_)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>")
        return parser

    def take_action(self, parsed_args):
        cli.client(self.cloud).create_resource_class(parsed_args.name)


class ShowResourceClass(command.ShowOne):
    """Show a resource class."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>")
        return parser

    def take_action(self, parsed_args):
        rc = cli.client(self.cloud).get_resource_class(parsed_args.name)
        return output.show(rc, ["name"])


class SetResourceClass(command.Command):
    """Create a custom resource class if it does not exist yet (no error if it
    does; placement 1.7+)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>")
        return parser

    def take_action(self, parsed_args):
        cli.client(self.cloud).set_resource_class(parsed_args.name)


class DeleteResourceClass(command.Command):
    """Delete a custom resource class (refused while an inventory uses it)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>")
        return parser

    def take_action(self, parsed_args):
        cli.client(self.cloud).delete_resource_class(parsed_args.name)
