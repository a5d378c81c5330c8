"""``sovra registered limit create|list|show|set|delete`` (a service's default limit on
a resource) and ``sovra limit create|list|show|set|delete`` (a project's own limit):
keystone's unified limits, /v3/registered_limits and /v3/limits."""

from sovra_common.cli import command, errors, output
from sovra_identity import cli

REGISTERED_FIELDS = ["id", "service_id", "resource_name", "default_limit", "region_id",
                     "description"]
REGISTERED_COLUMNS = [("ID", "id"), ("Service ID", "service_id"),
                      ("Resource Name", "resource_name"),
                      ("Default Limit", "default_limit"), ("Description", "description"),
                      ("Region ID", "region_id")]
LIMIT_FIELDS = ["id", "project_id", "domain_id", "service_id", "resource_name",
                "resource_limit", "region_id", "description"]
LIMIT_COLUMNS = [("ID", "id"), ("Project ID", "project_id"), ("Service ID", "service_id"),
                 ("Resource Name", "resource_name"), ("Resource Limit", "resource_limit"),
                 ("Description", "description"), ("Region ID", "region_id")]


def _ids(identity, parsed_args) -> dict:
    """service_id, region_id, project_id for the options given (names resolved)."""
    ids = {}
    if getattr(parsed_args, "service", None):
        ids["service_id"] = identity.find_service(parsed_args.service)["id"]
    if getattr(parsed_args, "region", None):
        ids["region_id"] = identity.get_region(parsed_args.region)["id"]
    if getattr(parsed_args, "project", None):
        ids["project_id"] = identity.find_project(parsed_args.project)["id"]
    return ids


def _filters(parser, project: bool = False):
    parser.add_argument("--service", metavar="<service>", help="name, type or id")
    parser.add_argument("--resource-name", metavar="<resource-name>")
    parser.add_argument("--region", metavar="<region>", help="region id")
    if project:
        parser.add_argument("--project", metavar="<project>", help="name or id")


def _one_id(parser, name):
    parser.add_argument("id", metavar=f"<{name}-id>")


# -- registered limits --------------------------------------------------------------------

class CreateRegisteredLimit(command.ShowOne):
    """Register a service's default limit on a resource."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("resource_name", metavar="<resource-name>")
        parser.add_argument("--service", metavar="<service>", required=True,
                            help="name, type or id")
        parser.add_argument("--default-limit", metavar="<limit>", type=int, required=True)
        parser.add_argument("--region", metavar="<region>", help="region id")
        parser.add_argument("--description", metavar="<description>")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        ids = _ids(identity, parsed_args)
        row = identity.create_registered_limit(
            ids.pop("service_id"), parsed_args.resource_name, parsed_args.default_limit,
            description=parsed_args.description, **ids)
        return output.show(row, REGISTERED_FIELDS)


class ListRegisteredLimit(command.Lister):
    """List registered (default) limits."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _filters(parser)
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        rows = identity.list_registered_limits(resource_name=parsed_args.resource_name,
                                               **_ids(identity, parsed_args))
        return output.listing(rows, REGISTERED_COLUMNS)


class ShowRegisteredLimit(command.ShowOne):
    """Show a registered limit, by id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _one_id(parser, "registered-limit")
        return parser

    def take_action(self, parsed_args):
        row = cli.client(self.cloud).get_registered_limit(parsed_args.id)
        return output.show(row, REGISTERED_FIELDS)


class SetRegisteredLimit(command.ShowOne):
    """Change a registered limit."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _one_id(parser, "registered-limit")
        _filters(parser)
        parser.add_argument("--default-limit", metavar="<limit>", type=int)
        parser.add_argument("--description", metavar="<description>")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        changes = _ids(identity, parsed_args)
        for key in ("resource_name", "default_limit", "description"):
            if getattr(parsed_args, key) is not None:
                changes[key] = getattr(parsed_args, key)
        if not changes:
            raise errors.CommandError("nothing to change: give at least one option")
        row = identity.update_registered_limit(parsed_args.id, **changes)
        return output.show(row, REGISTERED_FIELDS)


class DeleteRegisteredLimit(command.Command):
    """Delete one or more registered limits, by id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("ids", metavar="<registered-limit-id>", nargs="+")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        command.for_each(self, parsed_args.ids, identity.delete_registered_limit,
                         "registered limit")


# -- project limits -----------------------------------------------------------------------

class CreateLimit(command.ShowOne):
    """Set a project's own limit on a resource (overriding the registered default)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("resource_name", metavar="<resource-name>")
        parser.add_argument("--project", metavar="<project>", required=True,
                            help="name or id")
        parser.add_argument("--service", metavar="<service>", required=True,
                            help="name, type or id")
        parser.add_argument("--resource-limit", metavar="<limit>", type=int, required=True)
        parser.add_argument("--region", metavar="<region>", help="region id")
        parser.add_argument("--description", metavar="<description>")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        ids = _ids(identity, parsed_args)
        row = identity.create_limit(ids.pop("service_id"), parsed_args.resource_name,
                                    parsed_args.resource_limit,
                                    description=parsed_args.description, **ids)
        return output.show(row, LIMIT_FIELDS)


class ListLimit(command.Lister):
    """List project limits (a member's: their project's)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _filters(parser, project=True)
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        rows = identity.list_limits(resource_name=parsed_args.resource_name,
                                    **_ids(identity, parsed_args))
        return output.listing(rows, LIMIT_COLUMNS)


class ShowLimit(command.ShowOne):
    """Show a project limit, by id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _one_id(parser, "limit")
        return parser

    def take_action(self, parsed_args):
        return output.show(cli.client(self.cloud).get_limit(parsed_args.id), LIMIT_FIELDS)


class SetLimit(command.ShowOne):
    """Change a project limit's value or description."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _one_id(parser, "limit")
        parser.add_argument("--resource-limit", metavar="<limit>", type=int)
        parser.add_argument("--description", metavar="<description>")
        return parser

    def take_action(self, parsed_args):
        changes = {k: getattr(parsed_args, k) for k in ("resource_limit", "description")
                   if getattr(parsed_args, k) is not None}
        if not changes:
            raise errors.CommandError("nothing to change: give --resource-limit or "
                                      "--description")
        row = cli.client(self.cloud).update_limit(parsed_args.id, **changes)
        return output.show(row, LIMIT_FIELDS)


class DeleteLimit(command.Command):
    """Delete one or more project limits, by id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("ids", metavar="<limit-id>", nargs="+")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        command.for_each(self, parsed_args.ids, identity.delete_limit, "limit")
