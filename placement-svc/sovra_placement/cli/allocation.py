"""``sovra allocation candidate list`` and ``sovra resource provider allocation
show|delete`` (a consumer's allocations, as the openstack CLI names them)."""

from sovra_common.cli import command, output
from sovra_placement import cli


def _amounts(text: str) -> tuple[str, int]:
    """``VCPU=2`` -> ("VCPU", 2); a usage error otherwise."""
    rc, sep, amount = text.partition("=")
    if not sep or not rc or not amount.isdigit() or int(amount) < 1:
        raise ValueError(f"expected <RESOURCE_CLASS>=<amount>, got '{text}'")
    return rc, int(amount)


def _joined(pairs) -> str:
    return ",".join(f"{k}={v}" for k, v in pairs)


class ListAllocationCandidate(command.Lister):
    """List the resource providers that could satisfy a request of resources, with
    their traits and what they have used of their capacity."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--resource", metavar="<CLASS>=<amount>", type=_amounts,
                            action="append", required=True, dest="resources",
                            help="e.g. VCPU=2, MEMORY_MB=512 (repeat for more)")
        parser.add_argument("--required", metavar="<trait>", action="append", default=[],
                            help="a trait the providers must have; in:A,B for any of "
                                 "several (repeat for more)")
        parser.add_argument("--forbidden", metavar="<trait>", action="append", default=[],
                            help="a trait the providers must not have (repeat for more)")
        parser.add_argument("--member-of", metavar="<uuid>[,<uuid>...]", action="append",
                            default=[], help="only providers in this aggregate (or any "
                                             "of these); repeat: in each of them")
        parser.add_argument("--limit", metavar="<n>", type=int,
                            help="at most this many candidates")
        return parser

    def take_action(self, parsed_args):
        wanted: dict[str, int] = {}
        for rc, amount in parsed_args.resources:
            wanted[rc] = wanted.get(rc, 0) + amount
        params = [("resources", ",".join(f"{rc}:{n}" for rc, n in wanted.items()))]
        traits = [*parsed_args.required, *(f"!{t}" for t in parsed_args.forbidden)]
        if traits:
            params.append(("required", ",".join(traits)))
        for aggregates in parsed_args.member_of:
            params.append(("member_of", aggregates if "," not in aggregates or
                           aggregates.startswith("in:") else f"in:{aggregates}"))
        if parsed_args.limit is not None:
            params.append(("limit", str(parsed_args.limit)))
        found = cli.client(self.cloud).list_allocation_candidates(params)
        summaries = found.get("provider_summaries", {})
        rows = []
        for number, request in enumerate(found.get("allocation_requests", []), 1):
            for rp, alloc in sorted(request["allocations"].items()):
                summary = summaries.get(rp, {})
                inventory = sorted(summary.get("resources", {}).items())
                rows.append({
                    "number": number, "provider": rp,
                    "allocation": _joined(sorted(alloc["resources"].items())),
                    "inventory": ",".join(f"{rc}={r.get('used', 0)}/{r.get('capacity')}"
                                          for rc, r in inventory),
                    "traits": ",".join(sorted(summary.get("traits", [])))})
        return output.listing(rows, [("#", "number"), ("allocation", "allocation"),
                                     ("resource provider", "provider"),
                                     ("inventory used/capacity", "inventory"),
                                     ("traits", "traits")])


class ShowAllocation(command.Lister):
    """Show a consumer's allocations (a server's, by its id), one row per resource
    provider."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("consumer", metavar="<consumer-uuid>")
        return parser

    def take_action(self, parsed_args):
        found = cli.client(self.cloud).get_allocations(parsed_args.consumer)
        rows = [{"resource_provider": rp, "generation": alloc.get("generation"),
                 "resources": alloc.get("resources", {}),
                 "project_id": found.get("project_id"), "user_id": found.get("user_id")}
                for rp, alloc in sorted(found.get("allocations", {}).items())]
        return output.listing(rows, [(k, k) for k in ("resource_provider", "generation",
                                                       "resources", "project_id",
                                                       "user_id")])


class DeleteAllocation(command.Command):
    """Delete every allocation of a consumer."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("consumer", metavar="<consumer-uuid>")
        return parser

    def take_action(self, parsed_args):
        cli.client(self.cloud).delete_allocations(parsed_args.consumer)
