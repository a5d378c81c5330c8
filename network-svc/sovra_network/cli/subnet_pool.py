"""``sovra subnet pool list|show|create|delete|set``: ranges that subnets take
their prefixes from (``subnet create --subnet-pool``)."""

from sovra_common.cli import command, output
from sovra_network import cli

COLUMNS = [("ID", "id"), ("Name", "name"), ("Prefixes", "prefixes")]
LONG_COLUMNS = [("Default Prefix Length", "default_prefixlen"),
                ("Shared", "shared"), ("Default", "is_default"),
                ("Project", "project_id"), ("Tags", "tags")]


def _add_common_options(parser) -> None:
    parser.add_argument("--description", metavar="<text>")
    parser.add_argument("--default-prefix-length", metavar="<bits>", type=int,
                        dest="default_prefixlen",
                        help="the size of a prefix a subnet takes when it asks none")
    parser.add_argument("--min-prefix-length", metavar="<bits>", type=int,
                        dest="min_prefixlen", help="the largest prefix a subnet may take")
    parser.add_argument("--max-prefix-length", metavar="<bits>", type=int,
                        dest="max_prefixlen", help="the smallest prefix a subnet may take")
    default = parser.add_mutually_exclusive_group()
    default.add_argument("--default", dest="is_default", action="store_true",
                         default=None, help="the default pool of its IP version "
                                            "(admin)")
    default.add_argument("--no-default", dest="is_default", action="store_false",
                         help="not the default pool")


class ListSubnetPool(command.Lister):
    """List subnet pools."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--name", metavar="<name>", help="only pools of this name")
        parser.add_argument("--share", dest="shared", action="store_true", default=None,
                            help="only shared pools")
        parser.add_argument("--default", dest="is_default", action="store_true",
                            default=None, help="only default pools")
        parser.add_argument("--long", action="store_true",
                            help="also show default prefix length, sharing, default, "
                                 "project and tags")
        return parser

    def take_action(self, parsed_args):
        filters = {"name": parsed_args.name,
                   "shared": "true" if parsed_args.shared else None,
                   "is_default": "true" if parsed_args.is_default else None}
        pools = cli.client(self.cloud).list_subnet_pools(**filters)
        columns = COLUMNS + (LONG_COLUMNS if parsed_args.long else [])
        return output.listing(sorted(pools, key=lambda p: (p.get("name") or "", p["id"])),
                              columns)


class ShowSubnetPool(command.ShowOne):
    """Show a subnet pool, by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("pool", metavar="<subnet-pool>", help="name or id")
        return parser

    def take_action(self, parsed_args):
        return output.show(cli.find_subnet_pool(cli.client(self.cloud), parsed_args.pool))


class CreateSubnetPool(command.ShowOne):
    """Create a subnet pool from one or more prefixes (all IPv4 or all IPv6)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="the new pool's name")
        parser.add_argument("--pool-prefix", metavar="<cidr>", dest="prefixes",
                            action="append", required=True,
                            help="a range subnets take prefixes from (repeat for "
                                 "several)")
        _add_common_options(parser)
        parser.add_argument("--share", dest="shared", action="store_true", default=None,
                            help="every project may take subnets from it (admin)")
        cli.add_tag_options(parser, "subnet pool")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        pool = net.create_subnet_pool(
            parsed_args.name, parsed_args.prefixes,
            **cli.attrs_from(parsed_args, "description", "default_prefixlen",
                             "min_prefixlen", "max_prefixlen", "is_default", "shared"))
        return output.show(cli.apply_tags(net, "subnetpools", pool, parsed_args))


class DeleteSubnetPool(command.Command):
    """Delete one or more subnet pools, by name or id (no subnet may use them)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("pools", metavar="<subnet-pool>", nargs="+",
                            help="name or id")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        command.for_each(
            self, parsed_args.pools,
            lambda name: net.delete_subnet_pool(cli.find_subnet_pool(net, name)["id"]),
            "subnet pool")


class SetSubnetPool(command.Command):
    """Change a subnet pool: name, description, prefix lengths, default; add
    prefixes; tags."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("pool", metavar="<subnet-pool>", help="name or id")
        parser.add_argument("--name", metavar="<name>", help="rename it")
        parser.add_argument("--pool-prefix", metavar="<cidr>", dest="prefixes",
                            action="append", default=[],
                            help="add this prefix (repeat for several)")
        _add_common_options(parser)
        cli.add_tag_options(parser, "subnet pool", unset=True)
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        pool = cli.find_subnet_pool(net, parsed_args.pool)
        attrs = cli.attrs_from(parsed_args, "name", "description", "default_prefixlen",
                               "min_prefixlen", "max_prefixlen", "is_default")
        if parsed_args.prefixes:
            attrs["prefixes"] = list(pool["prefixes"]) + [
                p for p in parsed_args.prefixes if p not in pool["prefixes"]]
        if attrs:
            pool = net.update_subnet_pool(pool["id"], **attrs)
        cli.apply_tags(net, "subnetpools", pool, parsed_args)
