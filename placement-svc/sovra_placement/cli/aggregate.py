"""``sovra resource provider aggregate list|set``."""

from sovra_common.cli import command, output
from sovra_placement import cli
from sovra_placement.cli.resource_provider import ProviderCommand


def _rows(aggregates) -> tuple:
    return output.listing(({"uuid": a} for a in sorted(aggregates)), [("uuid", "uuid")])


class ListResourceProviderAggregate(ProviderCommand, command.Lister):
    """List the aggregates a resource provider is in."""

    def take_action(self, parsed_args):
        placement = cli.client(self.cloud)
        uuid = self.provider_uuid(placement, parsed_args)
        return _rows(placement.get_aggregates(uuid)["aggregates"])


class SetResourceProviderAggregate(ProviderCommand, command.Lister):
    """Replace the aggregates a resource provider is in (none given: it leaves all)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--aggregate", metavar="<uuid>", action="append", default=[],
                            dest="aggregates", help="an aggregate (repeat for more)")
        parser.add_argument("--generation", metavar="<n>", type=int,
                            help="the provider's generation this change is based on "
                                 "(default: its current one); another change since "
                                 "makes this fail")
        return parser

    def take_action(self, parsed_args):
        placement = cli.client(self.cloud)
        uuid = self.provider_uuid(placement, parsed_args)
        generation = parsed_args.generation
        if generation is None:
            generation = placement.get_aggregates(uuid)["resource_provider_generation"]
        result = placement.set_aggregates(uuid, sorted(set(parsed_args.aggregates)),
                                          generation)
        return _rows(result["aggregates"])
