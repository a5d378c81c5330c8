"""``sovra project list|show|create|set|delete``."""

from sovra_common.cli import command, output
from sovra_identity import cli


def _domain_id(identity, name_or_id):
    return identity.find_domain(name_or_id)["id"] if name_or_id else None


class ListProject(command.Lister):
    """List projects (all of them for an admin, the caller's own otherwise)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--domain", metavar="<domain>", help="only this domain's")
        parser.add_argument("--my-projects", action="store_true",
                            help="only the projects you have a role on (needs no "
                                 "admin role)")
        parser.add_argument("--long", action="store_true",
                            help="also show domain, description and enabled")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        if parsed_args.my_projects:
            projects = identity.list_my_projects()
        else:
            projects = identity.list_projects(
                domain_id=_domain_id(identity, parsed_args.domain))
        columns = [("ID", "id"), ("Name", "name")]
        if parsed_args.long:
            columns += [("Domain ID", "domain_id"), ("Description", "description"),
                        ("Enabled", "enabled")]
        return output.listing(sorted(projects, key=lambda p: p["name"]), columns)


class ShowProject(command.ShowOne):
    """Show a project, by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("project", metavar="<project>", help="name or id")
        parser.add_argument("--domain", metavar="<domain>",
                            help="the domain of a project given by name")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        return output.show(identity.find_project(
            parsed_args.project, _domain_id(identity, parsed_args.domain)))


class CreateProject(command.ShowOne):
    """Create a project."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="the new project's name")
        parser.add_argument("--domain", metavar="<domain>", help="its domain (name or id)")
        parser.add_argument("--description", metavar="<text>")
        enabled = parser.add_mutually_exclusive_group()
        enabled.add_argument("--enable", dest="enabled", action="store_true", default=None,
                             help="enabled (default)")
        enabled.add_argument("--disable", dest="enabled", action="store_false")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        project = identity.create_project(
            parsed_args.name, domain_id=_domain_id(identity, parsed_args.domain),
            description=parsed_args.description, enabled=parsed_args.enabled)
        return output.show(project)


class SetProject(command.Command):
    """Change a project's name, description, enabled state or tags."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("project", metavar="<project>", help="name or id")
        parser.add_argument("--domain", metavar="<domain>",
                            help="the domain of a project given by name")
        parser.add_argument("--name", metavar="<name>", help="its new name")
        parser.add_argument("--description", metavar="<description>")
        enabled = parser.add_mutually_exclusive_group()
        enabled.add_argument("--enable", dest="enabled", action="store_true", default=None)
        enabled.add_argument("--disable", dest="enabled", action="store_false")
        parser.add_argument("--tag", metavar="<tag>", action="append", default=[],
                            dest="tags", help="add this tag (repeat for more)")
        parser.add_argument("--remove-tag", metavar="<tag>", action="append", default=[],
                            dest="remove_tags", help="remove this tag (repeat for more)")
        parser.add_argument("--clear-tags", action="store_true",
                            help="remove every tag (before adding those of --tag)")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        project = identity.find_project(parsed_args.project,
                                        _domain_id(identity, parsed_args.domain))
        changes = {k: getattr(parsed_args, k) for k in ("name", "description", "enabled")
                   if getattr(parsed_args, k) is not None}
        if parsed_args.tags or parsed_args.remove_tags or parsed_args.clear_tags:
            tags = [] if parsed_args.clear_tags else list(project.get("tags") or [])
            tags = [t for t in tags if t not in parsed_args.remove_tags]
            changes["tags"] = tags + [t for t in parsed_args.tags if t not in tags]
        if changes:
            identity.update_project(project["id"], **changes)


class DeleteProject(command.Command):
    """Delete one or more projects, by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("projects", metavar="<project>", nargs="+", help="name or id")
        parser.add_argument("--domain", metavar="<domain>",
                            help="the domain of projects given by name")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        domain_id = _domain_id(identity, parsed_args.domain)

        def delete(name):
            identity.delete_project(identity.find_project(name, domain_id)["id"])

        command.for_each(self, parsed_args.projects, delete, "project")
