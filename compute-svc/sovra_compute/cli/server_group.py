"""``sovra server group create|list|show|delete`` (os-server-groups)."""

from sovra_common.cli import command, output
from sovra_compute import cli

POLICIES = ("affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity")


class CreateServerGroup(command.ShowOne):
    """Create a server group: servers that join it (the group scheduler hint
    at create) are placed by its policy."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="the new group's name")
        parser.add_argument("--policy", choices=POLICIES, default="affinity",
                            help="where its servers go (default: affinity)")
        parser.add_argument("--rule", metavar="<key=value>", dest="rules",
                            type=cli.key_value, action="append", default=[],
                            help="a policy rule, e.g. max_server_per_host=2 "
                                 "(anti-affinity only; repeatable)")
        return parser

    def take_action(self, parsed_args):
        return output.show(cli.client(self.cloud).create_server_group(
            parsed_args.name, parsed_args.policy, dict(parsed_args.rules) or None))


class ListServerGroup(command.Lister):
    """List server groups."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--all-projects", action="store_true",
                            help="every project's groups (admin)")
        parser.add_argument("--long", action="store_true",
                            help="also show members, project and user")
        return parser

    def take_action(self, parsed_args):
        groups = cli.client(self.cloud).list_server_groups(
            all_projects=parsed_args.all_projects)
        columns = [("ID", "id"), ("Name", "name"), ("Policy", "policy")]
        if parsed_args.long:
            columns += [("Members", "members"), ("Project Id", "project_id"),
                        ("User Id", "user_id")]
        return output.listing(groups, columns)


class ShowServerGroup(command.ShowOne):
    """Show a server group, by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("group", metavar="<server-group>", help="name or id")
        return parser

    def take_action(self, parsed_args):
        return output.show(cli.client(self.cloud).find_server_group(parsed_args.group))


class DeleteServerGroup(command.Command):
    """Delete one or more server groups, by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("groups", metavar="<server-group>", nargs="+",
                            help="name or id")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        command.for_each(self, parsed_args.groups, lambda name: compute.delete_server_group(
            compute.find_server_group(name)["id"]), "server group")
