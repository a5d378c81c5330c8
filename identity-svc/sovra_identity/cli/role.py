"""``sovra role list|add|remove`` and ``sovra role assignment list``."""

from sovra_common.cli import command, output
from sovra_identity import cli


class ListRole(command.Lister):
    """List roles."""

    def take_action(self, parsed_args):
        roles = cli.client(self.cloud).list_roles()
        return output.listing(sorted(roles, key=lambda r: r["name"]),
                              [("ID", "id"), ("Name", "name")])


class _Grant(command.Command):
    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("role", metavar="<role>", help="role name or id")
        parser.add_argument("--user", metavar="<user>", required=True, help="name or id")
        parser.add_argument("--project", metavar="<project>", required=True,
                            help="name or id")
        return parser

    def _resolve(self, parsed_args):
        identity = cli.client(self.cloud)
        return (identity, identity.find_role(parsed_args.role)["id"],
                identity.find_user(parsed_args.user)["id"],
                identity.find_project(parsed_args.project)["id"])


class AddRole(_Grant):
    """Give a user a role on a project."""

    def take_action(self, parsed_args):
        identity, role, user, project = self._resolve(parsed_args)
        identity.add_role(role, user=user, project=project)


class RemoveRole(_Grant):
    """Take a role on a project away from a user."""

    def take_action(self, parsed_args):
        identity, role, user, project = self._resolve(parsed_args)
        identity.remove_role(role, user=user, project=project)


def _named(entity: dict | None) -> str:
    if not entity:
        return ""
    name = entity.get("name")
    domain = (entity.get("domain") or {}).get("name")
    return f"{name}@{domain}" if name and domain else name or entity.get("id", "")


class ListRoleAssignment(command.Lister):
    """List role assignments (who holds which role where)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--user", metavar="<user>", help="only this user's (name or id)")
        parser.add_argument("--project", metavar="<project>",
                            help="only on this project (name or id)")
        parser.add_argument("--role", metavar="<role>", help="only this role (name or id)")
        parser.add_argument("--effective", action="store_true",
                            help="as tokens see them (group memberships expanded)")
        parser.add_argument("--names", action="store_true",
                            help="show names (name@domain) instead of ids")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        user = identity.find_user(parsed_args.user)["id"] if parsed_args.user else None
        project = (identity.find_project(parsed_args.project)["id"]
                   if parsed_args.project else None)
        role = identity.find_role(parsed_args.role)["id"] if parsed_args.role else None
        found = identity.list_role_assignments(user=user, project=project, role=role,
                                               names=parsed_args.names,
                                               effective=parsed_args.effective)
        show = _named if parsed_args.names else (lambda e: (e or {}).get("id", ""))
        rows = []
        for a in found:
            scope = a.get("scope", {})
            rows.append({"role": show(a.get("role")), "user": show(a.get("user")),
                         "group": show(a.get("group")),
                         "project": show(scope.get("project")),
                         "domain": show(scope.get("domain")),
                         "system": ",".join((scope.get("system") or {}).keys()),
                         "inherited": bool(scope.get("OS-INHERIT:inherited_to"))})
        return output.listing(rows, [("Role", "role"), ("User", "user"), ("Group", "group"),
                                     ("Project", "project"), ("Domain", "domain"),
                                     ("System", "system"), ("Inherited", "inherited")])
