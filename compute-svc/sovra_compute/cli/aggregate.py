"""``sovra aggregate create|list|show|set|unset|delete``, ``sovra aggregate add
host|remove host`` (os-aggregates, admins only)."""

from sovra_common.cli import command, output
from sovra_compute import cli

#: the metadata key that holds an aggregate's zone (shown as availability_zone)
ZONE_KEY = "availability_zone"


def view(aggregate: dict) -> tuple:
    """As ``openstack aggregate show``: the metadata (but the zone) as
    ``properties``."""
    shown = dict(aggregate)
    metadata = shown.pop("metadata", None) or {}
    shown["properties"] = {k: v for k, v in metadata.items() if k != ZONE_KEY}
    return output.show(shown, exclude=("links", "deleted", "deleted_at"))


class CreateAggregate(command.ShowOne):
    """Create a host aggregate (with --zone: an availability zone)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="the new aggregate's name")
        parser.add_argument("--zone", metavar="<availability-zone>",
                            help="the availability zone its hosts are in")
        parser.add_argument("--property", metavar="<key=value>", dest="properties",
                            type=cli.key_value, action="append", default=[],
                            help="a metadata item (repeatable)")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        aggregate = compute.create_aggregate(parsed_args.name, parsed_args.zone)
        if parsed_args.properties:
            aggregate = compute.aggregate_action(
                aggregate["id"], "set_metadata",
                {"metadata": dict(parsed_args.properties)})
        else:
            aggregate = compute.find_aggregate(str(aggregate["id"]))
        return view(aggregate)


class ListAggregate(command.Lister):
    """List host aggregates."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--long", action="store_true",
                            help="also show properties and hosts")
        return parser

    def take_action(self, parsed_args):
        aggregates = [dict(a, properties={k: v for k, v in (a.get("metadata") or {})
                                          .items() if k != ZONE_KEY})
                      for a in cli.client(self.cloud).list_aggregates()]
        columns = [("ID", "id"), ("Name", "name"), ("Availability Zone",
                                                    "availability_zone")]
        if parsed_args.long:
            columns += [("Properties", "properties"), ("Hosts", "hosts")]
        return output.listing(sorted(aggregates, key=lambda a: a["id"]), columns)


class ShowAggregate(command.ShowOne):
    """Show a host aggregate, by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("aggregate", metavar="<aggregate>", help="name or id")
        return parser

    def take_action(self, parsed_args):
        return view(cli.client(self.cloud).find_aggregate(parsed_args.aggregate))


class SetAggregate(command.Command):
    """Set a host aggregate's name, zone or properties."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("aggregate", metavar="<aggregate>", help="name or id")
        parser.add_argument("--name", metavar="<name>", help="a new name")
        parser.add_argument("--zone", metavar="<availability-zone>",
                            help="a new availability zone")
        parser.add_argument("--property", metavar="<key=value>", dest="properties",
                            type=cli.key_value, action="append", default=[],
                            help="a metadata item to add or change (repeatable)")
        parser.add_argument("--no-property", action="store_true",
                            help="remove every property first (then add --property)")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        aggregate = compute.find_aggregate(parsed_args.aggregate)
        changes = {k: v for k, v in (("name", parsed_args.name),
                                     ("availability_zone", parsed_args.zone))
                   if v is not None}
        if changes:
            compute.update_aggregate(aggregate["id"], **changes)
        metadata = {}
        if parsed_args.no_property:
            metadata = {k: None for k in aggregate.get("metadata") or {}
                        if k != ZONE_KEY}
        metadata.update(parsed_args.properties)
        if metadata:
            compute.aggregate_action(aggregate["id"], "set_metadata",
                                     {"metadata": metadata})


class UnsetAggregate(command.Command):
    """Remove properties from a host aggregate."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("aggregate", metavar="<aggregate>", help="name or id")
        parser.add_argument("--property", metavar="<key>", dest="properties",
                            action="append", default=[], required=True,
                            help="a property to remove (repeatable)")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        aggregate = compute.find_aggregate(parsed_args.aggregate)
        compute.aggregate_action(aggregate["id"], "set_metadata",
                                 {"metadata": dict.fromkeys(parsed_args.properties)})


class DeleteAggregate(command.Command):
    """Delete one or more host aggregates (without hosts), by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("aggregates", metavar="<aggregate>", nargs="+",
                            help="name or id")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        command.for_each(self, parsed_args.aggregates, lambda name: compute.
                         delete_aggregate(compute.find_aggregate(name)["id"]),
                         "aggregate")


class _HostAction(command.ShowOne):
    action = ""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("aggregate", metavar="<aggregate>", help="name or id")
        parser.add_argument("host", metavar="<host>", help="a compute host")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        aggregate = compute.find_aggregate(parsed_args.aggregate)
        return view(compute.aggregate_action(aggregate["id"], self.action,
                                             {"host": parsed_args.host}))


class AddAggregateHost(_HostAction):
    """Add a compute host to a host aggregate (and so to its zone)."""

    action = "add_host"


class RemoveAggregateHost(_HostAction):
    """Remove a compute host from a host aggregate."""

    action = "remove_host"
