"""``sovra server list|show|create|delete|set|unset|start|stop|reboot``."""

import abc
import base64
import os

from sovra_common.cli import command, output, progress
from sovra_compute import cli
from sovra_compute.cli import server_options as options

#: ``--wait`` polls after these pauses (seconds), then every last one; for how long
WAIT_INTERVALS = (0.25, 0.25, 0.5, 0.5, 1.0, 1.0, 2.0)
WAIT_TIMEOUT = 600.0


def backoff():
    """A sleep for wait_for: short pauses first (most actions take a second or two
    on a fake or idle node), then WAIT_INTERVALS[-1] apart."""
    import time

    pauses = iter(WAIT_INTERVALS)

    def sleep(_interval):
        time.sleep(next(pauses, WAIT_INTERVALS[-1]))

    return sleep


def ref_id(ref):
    return ref.get("id") if isinstance(ref, dict) else ref


def _addresses(server) -> str:
    nets = []
    for net, addrs in sorted((server.get("addresses") or {}).items()):
        nets.append(f"{net}=" + ", ".join(a.get("addr", "") for a in addrs))
    return "; ".join(nets)


def _fault(server) -> str | None:
    fault = server.get("fault") or {}
    return fault.get("message")


def view(server: dict) -> tuple:
    shown = dict(server)
    shown.pop("links", None)
    shown["flavor"] = ref_id(server.get("flavor"))
    shown["image"] = ref_id(server.get("image")) or ""
    shown["addresses"] = _addresses(server)
    return output.show(shown)


def add_wait(parser, what):
    parser.add_argument("--wait", action="store_true",
                        help=f"wait until {what}, showing progress on a terminal")
    parser.add_argument("--wait-timeout", metavar="<seconds>", type=float,
                        default=WAIT_TIMEOUT, help="give up waiting after this long "
                                                   f"(default {WAIT_TIMEOUT:.0f})")


def wait_for_status(cmd, compute, server, ready, timeout=WAIT_TIMEOUT,
                    action="request"):
    """Poll ``server`` until its status is in ``ready``. Fails (WaitFailed, one line)
    on ERROR with the server's fault message, or when its task ends in another
    state (the action did not take)."""
    label = server.get("name") or server["id"]

    def fetch():
        current = compute.get_server(server["id"])
        status, task = current.get("status"), current.get("OS-EXT-STS:task_state")
        if status not in ready and status != "ERROR" and not task and \
                status not in ("BUILD", "REBOOT", "HARD_REBOOT"):
            if getattr(cmd.app.stderr, "isatty", lambda: False)():
                cmd.app.stderr.write("\n")   # end wait_for's progress line
            raise progress.WaitFailed(
                f"{label} is {status}: the {action} did not complete"
                + (f": {_fault(current)}" if _fault(current) else ""))
        return current

    return progress.wait_for(fetch, ready=set(ready), failed={"ERROR"},
                             stream=cmd.app.stderr, label=label, timeout=timeout,
                             interval=WAIT_INTERVALS[-1], fault=_fault, sleep=backoff())


def wait_for_delete(cmd, compute, server, timeout=WAIT_TIMEOUT):
    """Poll until the server is gone. A server that was not ERROR before and ends
    ERROR with no task left failed to delete: that fails with its fault."""
    from keystoneauth1 import exceptions as ks_exc

    label = server.get("name") or server["id"]
    was_error = server.get("status") == "ERROR"

    def fetch():
        try:
            current = compute.get_server(server["id"])
        except ks_exc.NotFound:
            return {"status": "DELETED"}
        if current.get("status") == "ERROR" and \
                (was_error or current.get("OS-EXT-STS:task_state")):
            current = dict(current, status="ERROR (deleting)")
        return current

    progress.wait_for(fetch, ready={"DELETED"}, failed={"ERROR"},
                      stream=cmd.app.stderr, label=label, timeout=timeout,
                      interval=WAIT_INTERVALS[-1], fault=_fault, sleep=backoff())


class ListServer(command.Lister):
    """List servers."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--name", metavar="<name>",
                            help="only servers whose name contains this")
        parser.add_argument("--status", metavar="<status>", help="only in this status")
        parser.add_argument("--all-projects", action="store_true",
                            help="every project's servers (admin)")
        parser.add_argument("--long", action="store_true",
                            help="also show task state, power state, host and key name")
        return parser

    def take_action(self, parsed_args):
        servers = cli.client(self.cloud).list_servers(
            name=parsed_args.name,
            status=parsed_args.status.upper() if parsed_args.status else None,
            all_tenants="1" if parsed_args.all_projects else None)
        rows = []
        for server in servers:
            row = dict(server, image_id=ref_id(server.get("image")) or "",
                       flavor_id=ref_id(server.get("flavor")),
                       networks=_addresses(server))
            rows.append(row)
        columns = [("ID", "id"), ("Name", "name"), ("Status", "status"),
                   ("Networks", "networks"), ("Image", "image_id"),
                   ("Flavor", "flavor_id")]
        if parsed_args.long:
            columns += [("Task State", "OS-EXT-STS:task_state"),
                        ("Power State", "OS-EXT-STS:power_state"),
                        ("Host", "OS-EXT-SRV-ATTR:host"), ("Key Name", "key_name")]
        return output.listing(rows, columns)


class ShowServer(command.ShowOne):
    """Show a server, by name or id (with its fault, if it is in ERROR)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="name or id")
        return parser

    def take_action(self, parsed_args):
        return view(cli.client(self.cloud).find_server(parsed_args.server))


class CreateServer(command.ShowOne):
    """Create (boot) a server."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="the new server's name")
        parser.add_argument("--flavor", metavar="<flavor>", required=True,
                            help="flavor (name or id)")
        parser.add_argument("--image", metavar="<image>",
                            help="image to boot from (name or id); required unless "
                                 "a --block-device has boot_index=0")
        parser.add_argument("--boot-from-volume", metavar="<size>", type=options.count,
                            help="boot from a new volume of this size (GB) made "
                                 "from --image (kept when the server is deleted)")
        parser.add_argument("--block-device", metavar="<uuid=..,source_type=..,"
                                                   "destination_type=..,boot_index=..,"
                                                   "volume_size=..,...>",
                            dest="block_devices", type=options.block_device,
                            action="append", default=[],
                            help="a block_device_mapping_v2 entry (repeatable): "
                                 "uuid (a volume's, snapshot's or image's name or "
                                 "id), source_type (volume, the default, snapshot, "
                                 "image or blank), destination_type (volume, the "
                                 "default, or local), boot_index, volume_size (GB), "
                                 "delete_on_termination (true|false), disk_bus, "
                                 "device_type, device_name, guest_format, "
                                 "volume_type, tag")
        parser.add_argument("--availability-zone", metavar="<zone>[:<host>[:<node>]]",
                            help="the zone to build in; zone:host, zone::node or "
                                 "zone:host:node also pick the host (admin)")
        parser.add_argument("--hint", metavar="<key=value>", dest="hints",
                            type=cli.key_value, action="append", default=[],
                            help="a scheduler hint (repeatable; a key given again "
                                 "makes a list), e.g. group=<server group name or "
                                 "id>")
        parser.add_argument("--property", metavar="<key=value>", dest="properties",
                            type=cli.key_value, action="append", default=[],
                            help="a property (metadata item) to set (repeatable)")
        parser.add_argument("--security-group", metavar="<security-group>",
                            dest="security_groups", action="append", default=[],
                            help="a security group for the server's ports (name or "
                                 "id; repeatable; default: 'default')")
        parser.add_argument("--description", metavar="<description>",
                            help="the server's description")
        parser.add_argument("--tag", metavar="<tag>", dest="tags", action="append",
                            default=[], help="a tag (repeatable)")
        parser.add_argument("--min", metavar="<count>", dest="min_count", type=options.count,
                            help="the fewest servers to make (default 1)")
        parser.add_argument("--max", metavar="<count>", dest="max_count", type=options.count,
                            help="the most servers to make (default 1)")
        parser.add_argument("--key-name", metavar="<keypair>",
                            help="key pair to inject")
        parser.add_argument("--user-data", metavar="<file>",
                            help="user data file for the metadata service / config drive")
        parser.add_argument("--config-drive", metavar="<true|false>",
                            type=options.boolean, default=None,
                            help="give the server a config drive (true), or not "
                                 "(false; the default: it reads the metadata service "
                                 "at 169.254.169.254, and a server with no NIC gets a "
                                 "config drive anyway)")
        nics = parser.add_argument_group(
            "networks", "where the server's NICs go, one per option, in order "
                        "(default: one network allocated automatically)")
        nics.add_argument("--network", metavar="<network>", dest="nics",
                          action=options.NicAction, kind="network", default=[],
                          help="a NIC on this network (name or id; repeatable)")
        nics.add_argument("--port", metavar="<port>", dest="nics", action=options.NicAction,
                          kind="port", help="a NIC on this existing port (name or "
                                            "id; repeatable)")
        nics.add_argument("--nic", metavar="<net-id=..,port-id=..,v4-fixed-ip=..,"
                                           "v6-fixed-ip=..|none|auto>",
                          dest="nics", action=options.NicAction, kind="nic",
                          help="a NIC: net-id (a network's name or id) or port-id, "
                               "optionally with a fixed IP (repeatable); or 'none' "
                               "(no network) or 'auto' (one allocated automatically), "
                               "each alone")
        nics.add_argument("--no-network", dest="nics", action=options.NicAction, kind="none",
                          nargs=0, help="no network at all (as --nic none)")
        add_wait(parser, "the server is ACTIVE")
        self._parser = parser
        return parser

    def _usage(self, parsed_args) -> None:
        """What argparse alone cannot check: a usage error (exit status 2)."""
        boots = [b for b in parsed_args.block_devices if b.get("boot_index") == 0]
        if parsed_args.boot_from_volume and not parsed_args.image:
            self._parser.error("--boot-from-volume needs --image")
        if parsed_args.boot_from_volume and boots:
            self._parser.error("--boot-from-volume and a --block-device with "
                               "boot_index=0 both name the boot disk")
        if not parsed_args.image and not boots:
            self._parser.error("--image is required unless a --block-device has "
                               "boot_index=0")
        low, high = parsed_args.min_count, parsed_args.max_count
        if low is not None and high is not None and low > high:
            self._parser.error(f"--min ({low}) is more than --max ({high})")

    def _block_devices(self, parsed_args, image, image_finder) -> list:
        bdms = options.resolve_block_devices(self.cloud, image_finder,
                                      parsed_args.block_devices)
        if parsed_args.boot_from_volume:
            bdms.insert(0, {"uuid": image["id"], "source_type": "image",
                            "destination_type": "volume", "boot_index": 0,
                            "volume_size": parsed_args.boot_from_volume,
                            "delete_on_termination": False})
        return bdms

    def take_action(self, parsed_args):
        self._usage(parsed_args)
        user_data = None
        if parsed_args.user_data:
            with open(os.path.expanduser(parsed_args.user_data), "rb") as f:
                user_data = base64.b64encode(f.read()).decode("ascii")
        compute = cli.client(self.cloud)
        flavor = compute.find_flavor(parsed_args.flavor)
        from sovra_image.cli.image import find_image

        images = None

        def image_finder(name_or_id):
            nonlocal images
            images = images or cli.image_client(self.cloud)
            return find_image(images, name_or_id)

        image = image_finder(parsed_args.image) if parsed_args.image else None
        bdms = self._block_devices(parsed_args, image, image_finder)
        hints = options.hints(parsed_args.hints)
        if isinstance(hints.get("group"), str):
            hints["group"] = compute.find_server_group(hints["group"])["id"]
        volume_backed = any(b.get("boot_index") == 0 for b in bdms)
        created = compute.create_server(
            parsed_args.name, flavor["id"],
            None if volume_backed or image is None else image["id"],
            networks=options.networks(self.cloud, parsed_args.nics),
            key_name=parsed_args.key_name, user_data=user_data,
            config_drive=parsed_args.config_drive, hints=hints,
            availability_zone=parsed_args.availability_zone,
            metadata=dict(parsed_args.properties) or None,
            security_groups=[{"name": g} for g in parsed_args.security_groups]
            or None,
            description=parsed_args.description, tags=parsed_args.tags or None,
            min_count=parsed_args.min_count, max_count=parsed_args.max_count,
            block_device_mapping_v2=bdms or None)
        server = {"id": created["id"], "name": parsed_args.name}
        if parsed_args.wait:
            server = wait_for_status(self, compute, server, {"ACTIVE"},
                                     parsed_args.wait_timeout, action="build")
        else:
            server = compute.get_server(created["id"])
        if created.get("adminPass"):
            server = dict(server, adminPass=created["adminPass"])
        return view(server)


class DeleteServer(command.Command):
    """Delete one or more servers, by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("servers", metavar="<server>", nargs="+", help="name or id")
        add_wait(parser, "each server is gone")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)

        def delete(name):
            server = compute.find_server(name)
            compute.delete_server(server["id"])
            if parsed_args.wait:
                wait_for_delete(self, compute, server, parsed_args.wait_timeout)

        command.for_each(self, parsed_args.servers, delete, "server")


class ServerAction(command.Command):
    """Base of the actions on one or more servers (``act`` each), with --wait."""

    action = ""            # the verb in messages
    ready = {"ACTIVE"}     # where --wait stops

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("servers", metavar="<server>", nargs="+", help="name or id")
        add_wait(parser, "each server is " + "/".join(sorted(self.ready)))
        return parser

    @abc.abstractmethod
    def act(self, compute, server, parsed_args):
        """Ask for the action on ``server`` (each subclass its own)."""

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)

        def run(name):
            server = compute.find_server(name)
            self.act(compute, server, parsed_args)
            if parsed_args.wait:
                wait_for_status(self, compute, server, self.ready,
                                parsed_args.wait_timeout, action=self.action)

        command.for_each(self, parsed_args.servers, run, "server")


class StartServer(ServerAction):
    """Start (power on) one or more stopped servers."""

    action = "start"

    def act(self, compute, server, parsed_args):
        compute.start_server(server["id"])


class StopServer(ServerAction):
    """Stop (power off) one or more servers."""

    action = "stop"
    ready = {"SHUTOFF"}

    def act(self, compute, server, parsed_args):
        compute.stop_server(server["id"])


class RebootServer(ServerAction):
    """Reboot one or more servers (soft by default)."""

    action = "reboot"

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        kind = parser.add_mutually_exclusive_group()
        kind.add_argument("--hard", dest="hard", action="store_true", default=False,
                          help="hard reboot (power cycle)")
        kind.add_argument("--soft", dest="hard", action="store_false",
                          help="soft reboot (default)")
        return parser

    def act(self, compute, server, parsed_args):
        compute.reboot_server(server["id"], hard=parsed_args.hard)


class SetServer(command.Command):
    """Set a server's name, description or properties (metadata); or, as an admin,
    reset its state (--state)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="name or id")
        parser.add_argument("--name", metavar="<name>", help="a new name")
        parser.add_argument("--description", metavar="<description>",
                            help="a new description")
        parser.add_argument("--property", metavar="<key=value>", dest="properties",
                            type=cli.key_value, action="append", default=[],
                            help="a property to add or change (repeatable)")
        parser.add_argument(
            "--state", choices=("active", "error"),
            help="admin only: reset the server's state to ACTIVE or ERROR and clear "
                 "its task (os-resetState). For a server stuck in a task (e.g. "
                 "resize_prep, powering-off) after a failure, such as an agent that "
                 "died mid-operation. It changes only the database record, not the "
                 "guest: check what the guest really is first (active: it runs)")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        server = compute.find_server(parsed_args.server)
        if parsed_args.name is not None or parsed_args.description is not None:
            compute.update_server(server["id"], name=parsed_args.name,
                                  description=parsed_args.description)
        if parsed_args.properties:
            compute.set_server_metadata(server["id"], dict(parsed_args.properties))
        if parsed_args.state is not None:
            compute.reset_server_state(server["id"], parsed_args.state)


class UnsetServer(command.Command):
    """Remove properties (metadata) from a server."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="name or id")
        parser.add_argument("--property", metavar="<key>", dest="properties",
                            action="append", default=[],
                            help="a property to remove (repeatable)")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        server = compute.find_server(parsed_args.server)
        for key in parsed_args.properties:
            compute.delete_server_metadata(server["id"], key)
