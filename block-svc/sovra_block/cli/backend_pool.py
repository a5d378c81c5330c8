"""``sovra volume backend pool list``: the pools the scheduler may place volumes in
(admin; /scheduler-stats/get_pools)."""

from sovra_block import cli
from sovra_common.cli import command, output

LONG_COLUMNS = [("Protocol", "capabilities.storage_protocol"),
                ("Thick", "capabilities.thick_provisioning_support"),
                ("Thin", "capabilities.thin_provisioning_support"),
                ("Volumes", "capabilities.total_volumes"),
                ("Capacity", "capabilities.total_capacity_gb"),
                ("Allocated", "capabilities.allocated_capacity_gb"),
                ("Max Over Ratio", "capabilities.max_over_subscription_ratio")]


class ListVolumeBackendPool(command.Lister):
    """List the volume backends' pools (admin)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--long", action="store_true",
                            help="also show protocol, provisioning and capacity (GiB)")
        return parser

    def take_action(self, parsed_args):
        pools = cli.client(self.cloud).list_pools(detail=parsed_args.long)
        columns = [("Name", "name")] + (LONG_COLUMNS if parsed_args.long else [])
        return output.listing(sorted(pools, key=lambda p: p["name"]), columns)
