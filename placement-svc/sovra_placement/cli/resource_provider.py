"""``sovra resource provider list|show|create|delete`` and
``sovra resource provider inventory list|set`` and ``sovra resource provider usage
show``."""

from sovra_common.cli import command, errors, output
from sovra_placement import cli

_PROVIDER_FIELDS = ["uuid", "name", "generation", "root_provider_uuid",
                    "parent_provider_uuid"]
INVENTORY_FIELDS = ("total", "reserved", "min_unit", "max_unit", "step_size",
                    "allocation_ratio")


class ProviderCommand:
    """A command on one resource provider, named by uuid or name in its first
    argument (listed before the command's base class)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("provider", metavar="<provider>", help="uuid or name")
        return parser

    def provider_uuid(self, placement, parsed_args) -> str:
        return placement.find_resource_provider(parsed_args.provider)["uuid"]


class ListResourceProvider(command.Lister):
    """List resource providers."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--name", metavar="<name>")
        parser.add_argument("--uuid", metavar="<uuid>")
        parser.add_argument("--in-tree", metavar="<uuid>",
                            help="only providers in the tree of this one")
        return parser

    def take_action(self, parsed_args):
        providers = cli.client(self.cloud).list_resource_providers(
            name=parsed_args.name, uuid=parsed_args.uuid, in_tree=parsed_args.in_tree)
        return output.listing(sorted(providers, key=lambda p: p["name"]),
                              [(f, f) for f in _PROVIDER_FIELDS])


class ShowResourceProvider(ProviderCommand, command.ShowOne):
    """Show a resource provider, by uuid or name."""

    def take_action(self, parsed_args):
        provider = cli.client(self.cloud).find_resource_provider(parsed_args.provider)
        return output.show(provider, _PROVIDER_FIELDS)


class CreateResourceProvider(command.ShowOne):
    """Create a resource provider."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>")
        parser.add_argument("--uuid", metavar="<uuid>", help="default: a new one")
        parser.add_argument("--parent-provider", metavar="<uuid>",
                            help="make it a child of this provider")
        return parser

    def take_action(self, parsed_args):
        provider = cli.client(self.cloud).create_resource_provider(
            parsed_args.name, uuid=parsed_args.uuid,
            parent_provider_uuid=parsed_args.parent_provider)
        return output.show(provider, _PROVIDER_FIELDS)


class DeleteResourceProvider(ProviderCommand, command.Command):
    """Delete a resource provider (refused while it has allocations or children)."""

    def take_action(self, parsed_args):
        placement = cli.client(self.cloud)
        placement.delete_resource_provider(self.provider_uuid(placement, parsed_args))


def _inventory_rows(inventories: dict):
    rows = [{"resource_class": rc, **inv} for rc, inv in sorted(inventories.items())]
    return output.listing(rows, [(f, f) for f in ("resource_class", *INVENTORY_FIELDS)])


class ListResourceProviderInventory(ProviderCommand, command.Lister):
    """List a resource provider's inventories."""

    def take_action(self, parsed_args):
        placement = cli.client(self.cloud)
        uuid = self.provider_uuid(placement, parsed_args)
        return _inventory_rows(placement.get_inventories(uuid)["inventories"])


def parse_resources(items: list[str]) -> dict:
    """``["VCPU=8", "VCPU:allocation_ratio=4.0", "MEMORY_MB=2048"]`` ->
    ``{"VCPU": {"total": 8, "allocation_ratio": 4.0}, "MEMORY_MB": {"total": 2048}}``."""
    inventories: dict = {}
    for item in items:
        key, sep, value = item.partition("=")
        rc, _, field = key.partition(":")
        field = field or "total"
        if not sep or not rc or field not in INVENTORY_FIELDS:
            raise errors.CommandError(
                f"--resource {item}: expected <CLASS>=<total> or <CLASS>:<field>=<value> "
                f"with <field> one of {', '.join(INVENTORY_FIELDS)}")
        try:
            number = float(value) if field == "allocation_ratio" else int(value)
        except ValueError:
            raise errors.CommandError(f"--resource {item}: {value!r} is not a number") \
                from None
        inventories.setdefault(rc, {})[field] = number
    missing = sorted(rc for rc, inv in inventories.items() if "total" not in inv)
    if missing:
        raise errors.CommandError(f"no total given for {', '.join(missing)}")
    return inventories


class SetResourceProviderInventory(ProviderCommand, command.Lister):
    """Replace a resource provider's inventories (every class not named is removed)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--resource", metavar="<CLASS>[:<field>]=<value>",
                            action="append", default=[], required=True,
                            help="e.g. VCPU=8, VCPU:allocation_ratio=4.0, MEMORY_MB=2048 "
                                 "(repeat for more)")
        parser.add_argument("--amend", action="store_true",
                            help="keep the classes not named, update only those named")
        return parser

    def take_action(self, parsed_args):
        wanted = parse_resources(parsed_args.resource)
        placement = cli.client(self.cloud)
        uuid = self.provider_uuid(placement, parsed_args)
        current = placement.get_inventories(uuid)
        inventories = wanted
        if parsed_args.amend:
            inventories = dict(current["inventories"])
            for rc, fields in wanted.items():
                inventories[rc] = {**inventories.get(rc, {}), **fields}
        result = placement.set_inventories(uuid, inventories,
                                           current["resource_provider_generation"])
        return _inventory_rows(result["inventories"])


class ShowResourceProviderUsage(ProviderCommand, command.Lister):
    """Show how much of each resource class a resource provider has allocated."""

    def take_action(self, parsed_args):
        placement = cli.client(self.cloud)
        uuid = self.provider_uuid(placement, parsed_args)
        usages = placement.get_usages(uuid)["usages"]
        rows = [{"resource_class": rc, "usage": used} for rc, used in sorted(usages.items())]
        return output.listing(rows, [("resource_class", "resource_class"),
                                     ("usage", "usage")])
