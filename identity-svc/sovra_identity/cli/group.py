"""``sovra group create|list|show|set|delete`` and ``sovra group add user|remove
user|contains user``."""

from sovra_common.cli import command, errors, output
from sovra_identity import cli
from sovra_identity.cli.project import _domain_id

FIELDS = ["id", "name", "domain_id", "description"]


class CreateGroup(command.ShowOne):
    """Create a group."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<group-name>", help="the new group's name")
        parser.add_argument("--domain", metavar="<domain>", help="its domain (name or id)")
        parser.add_argument("--description", metavar="<description>")
        parser.add_argument("--or-show", action="store_true",
                            help="show the existing group of that name instead of "
                                 "failing")
        return parser

    def take_action(self, parsed_args):
        from keystoneauth1 import exceptions as ks_exc

        identity = cli.client(self.cloud)
        domain_id = _domain_id(identity, parsed_args.domain)
        try:
            group = identity.create_group(parsed_args.name, domain_id=domain_id,
                                          description=parsed_args.description)
        except ks_exc.Conflict:
            if not parsed_args.or_show:
                raise
            group = identity.find_group(parsed_args.name, domain_id)
        return output.show(group, FIELDS)


class ListGroup(command.Lister):
    """List groups (all, a domain's, or those a user belongs to)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--domain", metavar="<domain>", help="only this domain's")
        parser.add_argument("--user", metavar="<user>",
                            help="only the groups this user belongs to (name or id)")
        parser.add_argument("--long", action="store_true",
                            help="also show domain and description")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        domain_id = _domain_id(identity, parsed_args.domain)
        if parsed_args.user:
            user_id = identity.find_user(parsed_args.user, domain_id)["id"]
            groups = identity.list_user_groups(user_id)
        else:
            groups = identity.list_groups(domain_id=domain_id)
        columns = [("ID", "id"), ("Name", "name")]
        if parsed_args.long:
            columns += [("Domain ID", "domain_id"), ("Description", "description")]
        return output.listing(sorted(groups, key=lambda g: g["name"]), columns)


class ShowGroup(command.ShowOne):
    """Show a group, by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("group", metavar="<group>", help="name or id")
        parser.add_argument("--domain", metavar="<domain>",
                            help="the domain of a group given by name")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        return output.show(identity.find_group(
            parsed_args.group, _domain_id(identity, parsed_args.domain)), FIELDS)


class DeleteGroup(command.Command):
    """Delete one or more groups, by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("groups", metavar="<group>", nargs="+", help="name or id")
        parser.add_argument("--domain", metavar="<domain>",
                            help="the domain of groups given by name")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        domain_id = _domain_id(identity, parsed_args.domain)
        command.for_each(
            self, parsed_args.groups,
            lambda name: identity.delete_group(identity.find_group(name, domain_id)["id"]),
            "group")


class _Membership(command.Command):
    many_users = True

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("group", metavar="<group>", help="group name or id")
        parser.add_argument("users", metavar="<user>", nargs="+" if self.many_users else 1,
                            help="user name or id")
        parser.add_argument("--group-domain", metavar="<domain>",
                            help="the domain of a group given by name")
        parser.add_argument("--user-domain", metavar="<domain>",
                            help="the domain of users given by name")
        return parser

    def _resolve(self, parsed_args):
        identity = cli.client(self.cloud)
        group = identity.find_group(parsed_args.group,
                                    _domain_id(identity, parsed_args.group_domain))
        return identity, group, _domain_id(identity, parsed_args.user_domain)


class AddUserToGroup(_Membership):
    """Add one or more users to a group."""

    def take_action(self, parsed_args):
        identity, group, user_domain = self._resolve(parsed_args)
        command.for_each(
            self, parsed_args.users,
            lambda name: identity.add_group_user(
                group["id"], identity.find_user(name, user_domain)["id"]), "user")


class RemoveUserFromGroup(_Membership):
    """Remove one or more users from a group."""

    def take_action(self, parsed_args):
        identity, group, user_domain = self._resolve(parsed_args)
        command.for_each(
            self, parsed_args.users,
            lambda name: identity.remove_group_user(
                group["id"], identity.find_user(name, user_domain)["id"]), "user")


class CheckUserInGroup(_Membership):
    """Say whether a user is in a group (exit status 1 if not, as grep does)."""

    many_users = False

    def take_action(self, parsed_args):
        identity, group, user_domain = self._resolve(parsed_args)
        name = parsed_args.users[0]
        user = identity.find_user(name, user_domain)
        if not identity.group_has_user(group["id"], user["id"]):
            raise errors.CommandError(f"{name} not in group {parsed_args.group}")
        self.app.stdout.write(f"{name} in group {parsed_args.group}\n")


class SetGroup(command.Command):
    """Change a group's name or description."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("group", metavar="<group>", help="name or id")
        parser.add_argument("--domain", metavar="<domain>",
                            help="the group's domain (name or id), to find it by name")
        parser.add_argument("--name", metavar="<name>", help="its new name")
        parser.add_argument("--description", metavar="<description>")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        group = identity.find_group(parsed_args.group,
                                    _domain_id(identity, parsed_args.domain))
        changes = {k: getattr(parsed_args, k) for k in ("name", "description")
                   if getattr(parsed_args, k) is not None}
        if changes:
            identity.update_group(group["id"], **changes)
