"""``sovra implied role create|list|delete``: a prior role that brings another with it
(/v3/roles/{prior}/implies/{implied}, /v3/role_inferences)."""

from sovra_common.cli import command, output
from sovra_identity import cli


def _add_roles(parser):
    parser.add_argument("role", metavar="<role>", help="the prior role (name or id)")
    parser.add_argument("--implied-role", metavar="<role>", required=True,
                        help="the role it implies (name or id)")


def _resolve(identity, parsed_args):
    return (identity.find_role(parsed_args.role)["id"],
            identity.find_role(parsed_args.implied_role)["id"])


class CreateImpliedRole(command.ShowOne):
    """Make a role imply another (holders of the first get both in their tokens)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_roles(parser)
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        rule = identity.create_implied_role(*_resolve(identity, parsed_args))
        return output.show({"prior_role": rule["prior_role"]["id"],
                            "implies": rule["implies"]["id"]}, ["prior_role", "implies"])


class ListImpliedRole(command.Lister):
    """List the role inference rules."""

    def take_action(self, parsed_args):
        rules = cli.client(self.cloud).list_role_inferences()
        rows = [{"prior": rule["prior_role"], "implied": implied}
                for rule in rules for implied in rule["implies"]]
        return output.listing(rows, [("Prior Role ID", "prior.id"),
                                     ("Prior Role Name", "prior.name"),
                                     ("Implied Role ID", "implied.id"),
                                     ("Implied Role Name", "implied.name")])


class DeleteImpliedRole(command.Command):
    """Stop a role from implying another."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_roles(parser)
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        identity.delete_implied_role(*_resolve(identity, parsed_args))
