"""``sovra volume backup create|list|show|delete|restore``."""

from sovra_block import cli
from sovra_block.cli import waiting
from sovra_common.cli import command, errors, output


def view(backup: dict) -> tuple:
    return output.show(backup)


class ListBackup(command.Lister):
    """List volume backups (yours; --all-projects: every project's, for admins)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--volume", metavar="<volume>",
                            help="only this volume's (name or id)")
        parser.add_argument("--name", metavar="<name>", help="only backups of this name")
        parser.add_argument("--status", metavar="<status>",
                            help="only in this status (available, creating, error...)")
        parser.add_argument("--all-projects", action="store_true",
                            help="every project's backups (admin)")
        parser.add_argument("--long", action="store_true",
                            help="also show zone, volume, container and whether "
                                 "incremental")
        return parser

    def take_action(self, parsed_args):
        block = cli.client(self.cloud)
        filters = {"name": parsed_args.name,
                   "status": parsed_args.status.lower() if parsed_args.status else None,
                   "all_tenants": "1" if parsed_args.all_projects else None}
        if parsed_args.volume:
            filters["volume_id"] = cli.find_volume(block, parsed_args.volume)["id"]
        backups = block.list_backups(**{k: v for k, v in filters.items()
                                        if v is not None})
        columns = [("ID", "id"), ("Name", "name"), ("Description", "description"),
                   ("Status", "status"), ("Size", "size")]
        if parsed_args.long:
            columns += [("Availability Zone", "availability_zone"),
                        ("Volume", "volume_id"), ("Container", "container"),
                        ("Incremental", "is_incremental")]
        return output.listing(backups, columns)


class ShowBackup(command.ShowOne):
    """Show a volume backup, by name or id (with its fail_reason, if it failed)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("backup", metavar="<backup>", help="name or id")
        return parser

    def take_action(self, parsed_args):
        return view(cli.find_backup(cli.client(self.cloud), parsed_args.backup))


def _fail_reason(backup: dict) -> dict:
    """A backup names why it failed in ``fail_reason``; the waiter reads
    ``error_reason``."""
    return dict(backup, error_reason=backup.get("fail_reason"))


class CreateBackup(command.ShowOne):
    """Back a volume up into the backup store: a full copy, or (--incremental) only
    the chunks changed since its latest backup.

    The volume agent copies the volume while the backup is `creating`; it is then
    `available` (or `error`, with a fail_reason). --wait waits for that, showing the
    status on a terminal. An in-use volume needs --force.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("volume", metavar="<volume>",
                            help="the volume to back up (name or id)")
        parser.add_argument("--name", metavar="<name>", help="the backup's name")
        parser.add_argument("--description", metavar="<text>", help="a description")
        parser.add_argument("--container", metavar="<container>",
                            help="where in the backup store (default: the store's)")
        parser.add_argument("--snapshot", metavar="<snapshot>",
                            help="back up this snapshot of the volume (name or id) "
                                 "instead of the volume itself")
        parser.add_argument("--incremental", action="store_true",
                            help="only what changed since the volume's latest backup")
        parser.add_argument("--force", action="store_true",
                            help="back it up even while attached (in-use)")
        waiting.add_wait_options(parser, "the backup is available")
        return parser

    def take_action(self, parsed_args):
        args = parsed_args
        block = cli.client(self.cloud)
        volume = cli.find_volume(block, args.volume)
        snapshot_id = cli.find_snapshot(block, args.snapshot)["id"] if args.snapshot \
            else None
        created = block.create_backup(
            volume["id"], incremental=args.incremental, force=args.force,
            name=args.name, description=args.description, container=args.container,
            snapshot_id=snapshot_id)
        if args.wait:
            backup = waiting.until_status(
                self, lambda backup_id: _fail_reason(block.get_backup(backup_id)),
                created, {"available"}, args.wait_timeout)
        else:
            backup = block.get_backup(created["id"])
        backup.pop("error_reason", None)
        return view(backup)


class DeleteBackup(command.Command):
    """Delete one or more volume backups, by name or id (not one an incremental
    backup depends on)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("backups", metavar="<backup>", nargs="+", help="name or id")
        parser.add_argument("--force", action="store_true",
                            help="whatever its status (admin)")
        waiting.add_wait_options(parser, "each backup is gone")
        return parser

    def take_action(self, parsed_args):
        block = cli.client(self.cloud)

        def delete(name):
            backup = cli.find_backup(block, name)
            block.delete_backup(backup["id"], force=parsed_args.force)
            if parsed_args.wait:
                waiting.until_gone(self, lambda backup_id: _fail_reason(
                    block.get_backup(backup_id)), backup, parsed_args.wait_timeout)

        command.for_each(self, parsed_args.backups, delete, "backup")


class RestoreBackup(command.ShowOne):
    """Restore a volume backup into a new volume, or (--force) over an existing one.

    <volume> names the target: an existing volume (name or id) is overwritten only
    with --force (it must be available and at least the backup's size); any other
    name is the new volume's. Without <volume>, a new volume is named after the
    backup. --wait waits until the backup is available again and the volume holds
    its data.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("backup", metavar="<backup>", help="name or id")
        parser.add_argument("volume", metavar="<volume>", nargs="?",
                            help="the volume to restore into: an existing one's name "
                                 "or id (with --force), or the new volume's name")
        parser.add_argument("--force", action="store_true",
                            help="overwrite the existing volume <volume>")
        waiting.add_wait_options(parser, "the restore is done")
        return parser

    def take_action(self, parsed_args):
        args = parsed_args
        block = cli.client(self.cloud)
        backup = cli.find_backup(block, args.backup)
        target = None
        if args.volume:
            try:
                target = cli.find_volume(block, args.volume)
            except cli.NoMatch:   # a new volume's name (several matches: an error)
                if args.force:
                    raise
        if target is not None and not args.force:
            raise errors.CommandError(
                f"volume '{args.volume}' exists: give --force to restore over it, or "
                "a new volume's name")
        restore = block.restore_backup(
            backup["id"], volume_id=target["id"] if target else None,
            name=None if target else args.volume)
        if args.wait:
            waiting.until_status(
                self, lambda backup_id: _fail_reason(block.get_backup(backup_id)),
                backup, {"available"}, args.wait_timeout)
            volume = waiting.until_status(self, block.get_volume,
                                          {"id": restore["volume_id"],
                                           "name": restore.get("volume_name")},
                                          {"available"}, args.wait_timeout)
            restore = dict(restore, volume_status=volume["status"])
        return output.show(restore)
