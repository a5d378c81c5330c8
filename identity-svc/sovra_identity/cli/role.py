"""``sovra role list|show|create|delete|add|remove`` and ``sovra role assignment
list``."""

from sovra_common.cli import command, errors, output
from sovra_identity import cli
from sovra_identity.cli.project import _domain_id

ROLE_FIELDS = ["id", "name", "domain_id", "description"]


class ListRole(command.Lister):
    """List roles."""

    def take_action(self, parsed_args):
        roles = cli.client(self.cloud).list_roles()
        return output.listing(sorted(roles, key=lambda r: r["name"]),
                              [("ID", "id"), ("Name", "name")])


class ShowRole(command.ShowOne):
    """Show a role, by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("role", metavar="<role>", help="name or id")
        parser.add_argument("--domain", metavar="<domain>",
                            help="the domain of a domain-specific role given by name")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        role = identity.find_role(parsed_args.role, _domain_id(identity, parsed_args.domain))
        return output.show(role, ROLE_FIELDS)


class CreateRole(command.ShowOne):
    """Create a role (global, or specific to a domain with --domain)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<role-name>", help="the new role's name")
        parser.add_argument("--domain", metavar="<domain>",
                            help="make it a domain-specific role of this domain")
        parser.add_argument("--description", metavar="<description>")
        parser.add_argument("--or-show", action="store_true",
                            help="show the existing role of that name instead of failing")
        return parser

    def take_action(self, parsed_args):
        from keystoneauth1 import exceptions as ks_exc

        identity = cli.client(self.cloud)
        domain_id = _domain_id(identity, parsed_args.domain)
        try:
            role = identity.create_role(parsed_args.name, domain_id=domain_id,
                                        description=parsed_args.description)
        except ks_exc.Conflict:
            if not parsed_args.or_show:
                raise
            role = identity.find_role(parsed_args.name, domain_id)
        return output.show(role, ROLE_FIELDS)


class DeleteRole(command.Command):
    """Delete one or more roles, by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("roles", metavar="<role>", nargs="+", help="name or id")
        parser.add_argument("--domain", metavar="<domain>",
                            help="the domain of domain-specific roles given by name")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        domain_id = _domain_id(identity, parsed_args.domain)
        command.for_each(
            self, parsed_args.roles,
            lambda name: identity.delete_role(identity.find_role(name, domain_id)["id"]),
            "role")


class _Grant(command.Command):
    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("role", metavar="<role>", help="role name or id")
        actor = parser.add_mutually_exclusive_group(required=True)
        actor.add_argument("--user", metavar="<user>", help="name or id")
        actor.add_argument("--group", metavar="<group>", help="name or id")
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--project", metavar="<project>", help="name or id")
        target.add_argument("--domain", metavar="<domain>", help="name or id")
        target.add_argument("--system", metavar="<system>", choices=("all",),
                            help="the whole deployment (all)")
        parser.add_argument("--inherited", action="store_true",
                            help="to the projects under the project or domain "
                                 "(OS-INHERIT), not on it")
        return parser

    def _grant(self, parsed_args) -> tuple:
        """(identity, role id, the grant's keyword arguments)."""
        if parsed_args.inherited and parsed_args.system:
            raise errors.CommandError("--inherited goes with --project or --domain")
        identity = cli.client(self.cloud)
        where = {"inherited": parsed_args.inherited, "system": bool(parsed_args.system)}
        if parsed_args.user:
            where["user"] = identity.find_user(parsed_args.user)["id"]
        else:
            where["group"] = identity.find_group(parsed_args.group)["id"]
        if parsed_args.project:
            where["project"] = identity.find_project(parsed_args.project)["id"]
        elif parsed_args.domain:
            where["domain"] = identity.find_domain(parsed_args.domain)["id"]
        return identity, identity.find_role(parsed_args.role)["id"], where


class AddRole(_Grant):
    """Give a user or group a role on a project, a domain or the system."""

    def take_action(self, parsed_args):
        identity, role, where = self._grant(parsed_args)
        identity.add_role(role, **where)


class RemoveRole(_Grant):
    """Take a role on a project, a domain or the system away from a user or group."""

    def take_action(self, parsed_args):
        identity, role, where = self._grant(parsed_args)
        identity.remove_role(role, **where)


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
