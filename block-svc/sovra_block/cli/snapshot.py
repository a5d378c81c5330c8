"""``sovra volume snapshot list|show|create|delete``."""

from sovra_block import cli
from sovra_block.cli import waiting
from sovra_common.cli import command, output


def view(snapshot: dict) -> tuple:
    return output.show(snapshot)


class ListSnapshot(command.Lister):
    """List volume snapshots (yours; --all-projects: every project's, for admins)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--volume", metavar="<volume>",
                            help="only this volume's (name or id)")
        parser.add_argument("--name", metavar="<name>", help="only snapshots of this name")
        parser.add_argument("--status", metavar="<status>", help="only in this status")
        parser.add_argument("--all-projects", action="store_true",
                            help="every project's snapshots (admin)")
        return parser

    def take_action(self, parsed_args):
        block = cli.client(self.cloud)
        filters = {"name": parsed_args.name,
                   "status": parsed_args.status.lower() if parsed_args.status else None,
                   "all_tenants": "1" if parsed_args.all_projects else None}
        if parsed_args.volume:
            filters["volume_id"] = cli.find_volume(block, parsed_args.volume)["id"]
        snapshots = block.list_snapshots(**{k: v for k, v in filters.items()
                                            if v is not None})
        return output.listing(snapshots, [
            ("ID", "id"), ("Name", "name"), ("Status", "status"), ("Size", "size"),
            ("Volume", "volume_id"), ("Created At", "created_at")])


class ShowSnapshot(command.ShowOne):
    """Show a volume snapshot, by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("snapshot", metavar="<snapshot>", help="name or id")
        return parser

    def take_action(self, parsed_args):
        return view(cli.find_snapshot(cli.client(self.cloud), parsed_args.snapshot))


class CreateSnapshot(command.ShowOne):
    """Snapshot a volume: a point-in-time copy new volumes can be created from
    (`sovra volume create --snapshot`)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="the new snapshot's name")
        parser.add_argument("--volume", metavar="<volume>", required=True,
                            help="the volume to snapshot (name or id)")
        parser.add_argument("--description", metavar="<text>", help="a description")
        parser.add_argument("--force", action="store_true",
                            help="snapshot it even while attached (in-use)")
        cli.add_property_option(parser, "a property of the snapshot (metadata)")
        waiting.add_wait_options(parser, "the snapshot is available")
        return parser

    def take_action(self, parsed_args):
        block = cli.client(self.cloud)
        volume = cli.find_volume(block, parsed_args.volume)
        snapshot = block.create_snapshot(
            volume["id"], force=parsed_args.force, name=parsed_args.name,
            description=parsed_args.description,
            metadata=dict(parsed_args.properties) or None)
        if parsed_args.wait:
            snapshot = waiting.until_status(self, block.get_snapshot, snapshot,
                                            {"available"}, parsed_args.wait_timeout)
        return view(snapshot)


class DeleteSnapshot(command.Command):
    """Delete one or more volume snapshots, by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("snapshots", metavar="<snapshot>", nargs="+",
                            help="name or id")
        waiting.add_wait_options(parser, "each snapshot is gone")
        return parser

    def take_action(self, parsed_args):
        block = cli.client(self.cloud)

        def delete(name):
            snapshot = cli.find_snapshot(block, name)
            block.delete_snapshot(snapshot["id"])
            if parsed_args.wait:
                waiting.until_gone(self, block.get_snapshot, snapshot,
                                   parsed_args.wait_timeout)

        command.for_each(self, parsed_args.snapshots, delete, "snapshot")
