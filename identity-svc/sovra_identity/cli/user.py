"""``sovra user list|show|create|set|delete`` and ``sovra user password set``."""

import getpass

from sovra_common.cli import command, errors, output
from sovra_identity import cli
from sovra_identity.cli.project import _domain_id


def _prompt() -> str:
    first = getpass.getpass("User password: ")
    if first != getpass.getpass("Repeat user password: "):
        raise errors.CommandError("the passwords do not match")
    return first


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

    def take_action(self, parsed_args):
        password = _prompt() if parsed_args.password_prompt else parsed_args.password
        identity = cli.client(self.cloud)
        domain_id = _domain_id(identity, parsed_args.domain)
        project_id = (identity.find_project(parsed_args.project, domain_id)["id"]
                      if parsed_args.project else None)
        user = identity.create_user(
            parsed_args.name, domain_id=domain_id, password=password,
            default_project_id=project_id, email=parsed_args.email,
            description=parsed_args.description, enabled=parsed_args.enabled)
        return output.show(user)


class SetUser(command.Command):
    """Change a user's name, password, email, default project or enabled state."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("user", metavar="<user>", help="name or id")
        parser.add_argument("--domain", metavar="<domain>",
                            help="the domain of a user given by name")
        parser.add_argument("--name", metavar="<name>", help="its new name")
        password = parser.add_mutually_exclusive_group()
        password.add_argument("--password", metavar="<password>",
                              help="its new password (visible in the process list: "
                                   "prefer --password-prompt)")
        password.add_argument("--password-prompt", action="store_true",
                              help="read the new password from the terminal, twice")
        parser.add_argument("--project", metavar="<project>",
                            help="its default project (name or id)")
        parser.add_argument("--project-domain", metavar="<domain>",
                            help="the domain of a project given by name")
        parser.add_argument("--email", metavar="<email>")
        parser.add_argument("--description", metavar="<description>")
        enabled = parser.add_mutually_exclusive_group()
        enabled.add_argument("--enable", dest="enabled", action="store_true", default=None)
        enabled.add_argument("--disable", dest="enabled", action="store_false")
        return parser

    def take_action(self, parsed_args):
        changes = {k: getattr(parsed_args, k) for k in
                   ("name", "password", "email", "description", "enabled")
                   if getattr(parsed_args, k) is not None}
        if parsed_args.password_prompt:
            changes["password"] = _prompt()
        identity = cli.client(self.cloud)
        user = identity.find_user(parsed_args.user,
                                  _domain_id(identity, parsed_args.domain))
        if parsed_args.project:
            changes["default_project_id"] = identity.find_project(
                parsed_args.project, _domain_id(identity, parsed_args.project_domain))["id"]
        if changes:
            identity.update_user(user["id"], **changes)


class SetUserPassword(command.Command):
    """Change your own password (prompted for unless given)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--password", metavar="<new-password>",
                            help="the new password (prompted for, twice, if not given)")
        parser.add_argument("--original-password", metavar="<original-password>",
                            help="the current password (prompted for if not given)")
        return parser

    def take_action(self, parsed_args):
        original = parsed_args.original_password
        if original is None:
            original = getpass.getpass("Current Password: ")
        new = parsed_args.password
        if new is None:
            new = getpass.getpass("New Password: ")
            if new != getpass.getpass("Repeat New Password: "):
                raise errors.CommandError("the passwords do not match")
        if not new:
            raise errors.CommandError("the new password is empty")
        cloud = self.cloud
        user_id = cloud.access().user_id
        cli.client(cloud).change_password(user_id, original, new)
        # the change revokes the user's tokens: do not keep this one in the cache
        cloud.invalidate()


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
