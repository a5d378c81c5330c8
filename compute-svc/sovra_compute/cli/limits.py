"""``sovra limits show --absolute|--rate``: a project's quotas and what it uses of
them, from compute's /limits and, where the cloud has block storage, block
storage's (as ``openstack limits show`` does)."""

from sovra_common.cli import command, output
from sovra_compute import cli


class ShowLimits(command.Lister):
    """Show compute and block storage limits: absolute (quotas and usage) or rate
    limits."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        kind = parser.add_mutually_exclusive_group(required=True)
        kind.add_argument("--absolute", action="store_true",
                          help="quotas and usage (Name, Value)")
        kind.add_argument("--rate", action="store_true",
                          help="rate limits (Sovra's API has none: no rows)")
        parser.add_argument("--project", metavar="<project>",
                            help="another project's (admin; name or id)")
        return parser

    def take_action(self, parsed_args):
        project = cli.project_id(self.cloud, parsed_args.project) \
            if parsed_args.project else None
        limits = cli.client(self.cloud).get_limits(project)
        if parsed_args.absolute:
            from sovra_block import cli as block_cli

            block = cli.if_served(
                self.cloud, lambda: block_cli.client(self.cloud).get_limits(project))
            rows = sorted(limits.get("absolute", {}).items())
            return ("Name", "Value"), rows + sorted(
                ((block or {}).get("absolute") or {}).items())
        rows = [dict(rate, verb=limit.get("verb"), value=limit.get("value"),
                     remain=limit.get("remaining"), unit=limit.get("unit"),
                     next=limit.get("next-available"))
                for rate in limits.get("rate", []) for limit in rate.get("limit", [])]
        return output.listing(rows, [("Verb", "verb"), ("URI", "uri"),
                                     ("Value", "value"), ("Remain", "remain"),
                                     ("Unit", "unit"), ("Next Available", "next")])
