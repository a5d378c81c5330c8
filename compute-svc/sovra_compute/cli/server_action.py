"""``sovra server pause|unpause|suspend|resume|lock|unlock|rebuild|resize|migrate``,
``sovra server evacuate``, ``sovra server resize|migrate confirm|revert``,
``sovra server migration list``: the server actions beyond start, stop and
reboot (``server.py``). ``--wait`` follows the server with ``server.py``'s poller
and progress line."""

from sovra_common.cli import command, errors, output
from sovra_compute import cli
from sovra_compute.cli import server as server_cli


class PauseServer(server_cli.ServerAction):
    """Pause one or more servers (the guest stays in memory, not running)."""

    action = "pause"
    ready = {"PAUSED"}

    def act(self, compute, server, parsed_args):
        compute.pause_server(server["id"])


class UnpauseServer(server_cli.ServerAction):
    """Unpause one or more paused servers."""

    action = "unpause"

    def act(self, compute, server, parsed_args):
        compute.unpause_server(server["id"])


class SuspendServer(server_cli.ServerAction):
    """Suspend one or more servers (the guest's memory saved, then stopped)."""

    action = "suspend"
    ready = {"SUSPENDED"}

    def act(self, compute, server, parsed_args):
        compute.suspend_server(server["id"])


class ResumeServer(server_cli.ServerAction):
    """Resume one or more suspended servers."""

    action = "resume"

    def act(self, compute, server, parsed_args):
        compute.resume_server(server["id"])


class LockServer(command.Command):
    """Lock one or more servers: only an admin may act on them until unlocked."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("servers", metavar="<server>", nargs="+", help="name or id")
        parser.add_argument("--reason", metavar="<reason>",
                            help="why the server is locked (shown as locked_reason)")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        command.for_each(self, parsed_args.servers, lambda name: compute.lock_server(
            compute.find_server(name)["id"], reason=parsed_args.reason), "server")


class UnlockServer(command.Command):
    """Unlock one or more servers."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("servers", metavar="<server>", nargs="+", help="name or id")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        command.for_each(self, parsed_args.servers, lambda name: compute.unlock_server(
            compute.find_server(name)["id"]), "server")


def _settled(server) -> set[str]:
    """Where an action that keeps the power state ends: SHUTOFF for a stopped
    server, else ACTIVE."""
    return {"SHUTOFF"} if server.get("status") == "SHUTOFF" else {"ACTIVE"}


class RebuildServer(command.ShowOne):
    """Rebuild a server: a fresh root disk from its image or another one."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="name or id")
        parser.add_argument("--image", metavar="<image>",
                            help="image to rebuild from (name or id; default: the "
                                 "server's own)")
        parser.add_argument("--name", metavar="<name>", help="a new name")
        parser.add_argument("--description", metavar="<description>",
                            help="a new description")
        parser.add_argument("--property", metavar="<key=value>", dest="properties",
                            type=cli.key_value, action="append", default=[],
                            help="the server's properties after the rebuild "
                                 "(repeatable; replaces them all)")
        server_cli.add_wait(parser, "the server is ACTIVE (or SHUTOFF if it was)")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        server = compute.find_server(parsed_args.server)
        if parsed_args.image:
            from sovra_image.cli.image import find_image

            image_id = find_image(cli.image_client(self.cloud), parsed_args.image)["id"]
        else:
            image_id = server_cli.ref_id(server.get("image"))
            if not image_id:
                raise errors.CommandError(f"{server.get('name') or server['id']} was "
                                          "not booted from an image: give --image")
        rebuilt = compute.rebuild_server(
            server["id"], image_id, name=parsed_args.name,
            description=parsed_args.description,
            metadata=dict(parsed_args.properties) or None)
        if parsed_args.wait:
            shown = server_cli.wait_for_status(self, compute, server, _settled(server),
                                               parsed_args.wait_timeout,
                                               action="rebuild")
        else:
            shown = compute.get_server(server["id"])
        if rebuilt.get("adminPass"):
            shown = dict(shown, adminPass=rebuilt["adminPass"])
        return server_cli.view(shown)


class ResizeServer(command.Command):
    """Resize a server to another flavor (then confirm or revert it), or confirm
    or revert a resize with --confirm / --revert."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="name or id")
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--flavor", metavar="<flavor>",
                          help="the new flavor (name or id)")
        what.add_argument("--confirm", action="store_true",
                          help="confirm a resize (as 'server resize confirm')")
        what.add_argument("--revert", action="store_true",
                          help="revert a resize (as 'server resize revert')")
        server_cli.add_wait(parser, "the resize is done (VERIFY_RESIZE), or the "
                                    "confirm / revert (ACTIVE or SHUTOFF)")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        server = compute.find_server(parsed_args.server)
        if parsed_args.confirm:
            return _finish_resize(self, compute, server, parsed_args, confirm=True)
        if parsed_args.revert:
            return _finish_resize(self, compute, server, parsed_args, confirm=False)
        flavor = compute.find_flavor(parsed_args.flavor)
        compute.resize_server(server["id"], flavor["id"])
        if parsed_args.wait:
            server_cli.wait_for_status(self, compute, server, {"VERIFY_RESIZE"},
                                       parsed_args.wait_timeout, action="resize")
        return None


def _finish_resize(cmd, compute, server, parsed_args, *, confirm: bool):
    if confirm:
        compute.confirm_resize(server["id"])
    else:
        compute.revert_resize(server["id"])
    if parsed_args.wait:
        server_cli.wait_for_status(cmd, compute, server, {"ACTIVE", "SHUTOFF"},
                                   parsed_args.wait_timeout,
                                   action="resize " + ("confirm" if confirm else "revert"))


class _FinishResize(command.Command):
    confirm = True

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="name or id")
        server_cli.add_wait(parser, "the server is ACTIVE (or SHUTOFF)")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        _finish_resize(self, compute, compute.find_server(parsed_args.server),
                       parsed_args, confirm=self.confirm)


class ConfirmServerResize(_FinishResize):
    """Confirm a server's resize (VERIFY_RESIZE): the old flavor's claim goes."""


class RevertServerResize(_FinishResize):
    """Revert a server's resize (VERIFY_RESIZE): back to its old flavor."""

    confirm = False


class MigrateServer(command.Command):
    """Move a server to another host (cold migration, admin only; then confirm or
    revert it)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="name or id")
        parser.add_argument("--host", metavar="<host>",
                            help="the compute host to move it to (default: the "
                                 "scheduler chooses)")
        server_cli.add_wait(parser, "the move is done (VERIFY_RESIZE)")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        server = compute.find_server(parsed_args.server)
        compute.migrate_server(server["id"], host=parsed_args.host)
        if parsed_args.wait:
            server_cli.wait_for_status(self, compute, server, {"VERIFY_RESIZE"},
                                       parsed_args.wait_timeout, action="migrate")


class EvacuateServer(command.Command):
    """Rebuild a server whose host is down on another host (admin only). Its
    ports and volumes follow it; a root disk on the dead host does not: the
    server is made afresh from its image (a volume-backed one boots from its
    volume). Only for a host known to be dead or fenced: one merely cut off
    would still run the old guest."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="name or id")
        parser.add_argument("--host", metavar="<host>",
                            help="the compute host to rebuild it on (default: the "
                                 "scheduler chooses)")
        server_cli.add_wait(parser, "it runs again (ACTIVE, or SHUTOFF if it was)")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        server = compute.find_server(parsed_args.server)
        compute.evacuate_server(server["id"], host=parsed_args.host)
        if parsed_args.wait:
            ready = {"SHUTOFF"} if server.get("status") == "SHUTOFF" else {"ACTIVE"}
            server_cli.wait_for_status(self, compute, server, ready,
                                       parsed_args.wait_timeout, action="evacuate")


class ConfirmServerMigration(_FinishResize):
    """Confirm a server's migration (VERIFY_RESIZE): its old host lets it go."""


class RevertServerMigration(_FinishResize):
    """Revert a server's migration (VERIFY_RESIZE): back to its old host."""

    confirm = False


class ListServerMigration(command.Lister):
    """List the migrations (cold migrations, resizes, evacuations) of every
    server, or of one (admin only), newest first."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--server", metavar="<server>", help="name or id")
        parser.add_argument("--host", metavar="<host>",
                            help="moves from or to this compute host")
        parser.add_argument("--status", metavar="<status>",
                            help="e.g. finished, confirmed, reverted, error")
        parser.add_argument("--type", metavar="<type>", dest="migration_type",
                            choices=["migration", "resize", "evacuation"])
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        server = compute.find_server(parsed_args.server)["id"] \
            if parsed_args.server else None
        migrations = compute.list_migrations(
            instance_uuid=server, host=parsed_args.host, status=parsed_args.status,
            migration_type=parsed_args.migration_type)
        return output.listing(migrations, [
            ("Id", "id"), ("UUID", "uuid"), ("Server ID", "instance_uuid"),
            ("Type", "migration_type"), ("Source Compute", "source_compute"),
            ("Dest Compute", "dest_compute"), ("Status", "status"),
            ("Old Flavor", "old_instance_type_id"),
            ("New Flavor", "new_instance_type_id"), ("Created At", "created_at"),
            ("Updated At", "updated_at")])
