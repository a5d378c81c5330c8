"""``sovra user list|show|create|delete``."""

import getpass

from sovra_common.cli import command, errors, output
from sovra_identity import cli
from sovra_identity.cli.project import _domain_id


class ListUser(command.Lister):
    """List users."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--domain", metavar="<domain>", help="only this domain's")
        parser.add_argument("--long", action="store_true",
                            help="also show domain, default project, email and enabled")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        users = identity.list_users(domain_id=_domain_id(identity, parsed_args.domain))
        columns = [("ID", "id"), ("Name", "name")]
        if parsed_args.long:
            columns += [("Domain ID", "domain_id"),
                        ("Default Project ID", "default_project_id"),
                        ("Email", "email"), ("Enabled", "enabled")]
        return output.listing(sorted(users, key=lambda u: u["name"]), columns)


class ShowUser(command.ShowOne):
    """Show a user, by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("user", metavar="<user>", help="name or id")
        parser.add_argument("--domain", metavar="<domain>",
                            help="the domain of a user given by name")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        return output.show(identity.find_user(parsed_args.user,
                                              _domain_id(identity, parsed_args.domain)))


class CreateUser(command.ShowOne):
    """Create a user."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="the new user's name")
        parser.add_argument("--domain", metavar="<domain>", help="its domain (name or id)")
        password = parser.add_mutually_exclusive_group()
        password.add_argument("--password", metavar="<password>",
                              help="its password (visible in the process list: prefer "
                                   "--password-prompt)")
        password.add_argument("--password-prompt", action="store_true",
                              help="read the password from the terminal, twice")
        parser.add_argument("--project", metavar="<project>",
                            help="default project (name or id)")
        parser.add_argument("--email", metavar="<email>")
        parser.add_argument("--description", metavar="<text>")
        enabled = parser.add_mutually_exclusive_group()
        enabled.add_argument("--enable", dest="enabled", action="store_true", default=None,
                             help="enabled (default)")
        enabled.add_argument("--disable", dest="enabled", action="store_false")
        return parser

    def _prompt(self):
        first = getpass.getpass("User password: ")
        if first != getpass.getpass("Repeat user password: "):
            raise errors.CommandError("the passwords do not match")
        return first

    def take_action(self, parsed_args):
        password = self._prompt() if parsed_args.password_prompt else parsed_args.password
        identity = cli.client(self.cloud)
        domain_id = _domain_id(identity, parsed_args.domain)
        project_id = (identity.find_project(parsed_args.project, domain_id)["id"]
                      if parsed_args.project else None)
        user = identity.create_user(
            parsed_args.name, domain_id=domain_id, password=password,
            default_project_id=project_id, email=parsed_args.email,
            description=parsed_args.description, enabled=parsed_args.enabled)
        return output.show(user)


class DeleteUser(command.Command):
    """Delete one or more users, by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("users", metavar="<user>", nargs="+", help="name or id")
        parser.add_argument("--domain", metavar="<domain>",
                            help="the domain of users given by name")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        domain_id = _domain_id(identity, parsed_args.domain)

        def delete(name):
            identity.delete_user(identity.find_user(name, domain_id)["id"])

        command.for_each(self, parsed_args.users, delete, "user")
