"""``sovra domain create|list|show|set|delete``."""

from sovra_common.cli import command, output
from sovra_identity import cli

COLUMNS = [("ID", "id"), ("Name", "name"), ("Enabled", "enabled"),
           ("Description", "description")]
FIELDS = ["id", "name", "enabled", "description"]


def add_enable_options(parser, default_help="enabled (default)"):
    """``--enable`` / ``--disable`` into ``parsed_args.enabled`` (None if neither)."""
    enabled = parser.add_mutually_exclusive_group()
    enabled.add_argument("--enable", dest="enabled", action="store_true", default=None,
                         help=default_help)
    enabled.add_argument("--disable", dest="enabled", action="store_false",
                         help="disabled")


class CreateDomain(command.ShowOne):
    """Create a domain."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<domain-name>", help="the new domain's name")
        parser.add_argument("--description", metavar="<description>")
        add_enable_options(parser)
        parser.add_argument("--or-show", action="store_true",
                            help="show the existing domain of that name instead of "
                                 "failing")
        return parser

    def take_action(self, parsed_args):
        from keystoneauth1 import exceptions as ks_exc

        identity = cli.client(self.cloud)
        try:
            domain = identity.create_domain(parsed_args.name,
                                            description=parsed_args.description,
                                            enabled=parsed_args.enabled)
        except ks_exc.Conflict:
            if not parsed_args.or_show:
                raise
            domain = identity.find_domain(parsed_args.name)
        return output.show(domain, FIELDS)


class ListDomain(command.Lister):
    """List domains."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--name", metavar="<name>", help="only the domain of this name")
        add_enable_options(parser, "only enabled domains")
        return parser

    def take_action(self, parsed_args):
        filters = {"name": parsed_args.name}
        if parsed_args.enabled is not None:
            filters["enabled"] = str(parsed_args.enabled).lower()
        domains = cli.client(self.cloud).list_domains(**filters)
        return output.listing(sorted(domains, key=lambda d: d["name"]), COLUMNS)


class ShowDomain(command.ShowOne):
    """Show a domain, by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("domain", metavar="<domain>", help="name or id")
        return parser

    def take_action(self, parsed_args):
        return output.show(cli.client(self.cloud).find_domain(parsed_args.domain), FIELDS)


class SetDomain(command.Command):
    """Change a domain's name, description or enabled state."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("domain", metavar="<domain>", help="name or id")
        parser.add_argument("--name", metavar="<name>", help="its new name")
        parser.add_argument("--description", metavar="<description>")
        add_enable_options(parser, "enabled")
        return parser

    def take_action(self, parsed_args):
        changes = {k: getattr(parsed_args, k) for k in ("name", "description", "enabled")
                   if getattr(parsed_args, k) is not None}
        identity = cli.client(self.cloud)
        domain = identity.find_domain(parsed_args.domain)
        if changes:
            identity.update_domain(domain["id"], **changes)


class DeleteDomain(command.Command):
    """Delete one or more domains, by name or id (a domain must be disabled first:
    ``sovra domain set --disable``)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("domains", metavar="<domain>", nargs="+", help="name or id")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        command.for_each(self, parsed_args.domains,
                         lambda name: identity.delete_domain(identity.find_domain(name)["id"]),
                         "domain")
