"""``sovra volume list|show|create|delete|set|extend``."""

from sovra_block import cli
from sovra_block.cli import waiting
from sovra_common.cli import command, errors, output


def _attached_to(volume: dict) -> str:
    return ", ".join(f"{a.get('server_id')} on {a.get('device') or '?'}"
                     for a in volume.get("attachments") or [])


def view(volume: dict) -> tuple:
    shown = dict(volume)
    shown.pop("links", None)
    shown["attachments"] = [a.get("server_id") for a in volume.get("attachments") or []]
    return output.show(shown)


class ListVolume(command.Lister):
    """List volumes (yours; --all-projects: every project's, for admins)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--name", metavar="<name>", help="only volumes of this name")
        parser.add_argument("--status", metavar="<status>",
                            help="only in this status (available, in-use, error...)")
        parser.add_argument("--all-projects", action="store_true",
                            help="every project's volumes (admin)")
        parser.add_argument("--long", action="store_true",
                            help="also show type, zone, bootable and properties")
        return parser

    def take_action(self, parsed_args):
        filters = {"name": parsed_args.name,
                   "status": parsed_args.status.lower() if parsed_args.status else None,
                   "all_tenants": "1" if parsed_args.all_projects else None}
        volumes = cli.client(self.cloud).list_volumes(
            **{k: v for k, v in filters.items() if v is not None})
        rows = [dict(v, attached_to=_attached_to(v)) for v in volumes]
        columns = [("ID", "id"), ("Name", "name"), ("Status", "status"),
                   ("Size", "size"), ("Attached to", "attached_to")]
        if parsed_args.long:
            columns += [("Type", "volume_type"), ("Availability Zone", "availability_zone"),
                        ("Bootable", "bootable"), ("Properties", "metadata")]
        if parsed_args.all_projects:
            columns.append(("Project", "os-vol-tenant-attr:tenant_id"))
        return output.listing(rows, columns)


class ShowVolume(command.ShowOne):
    """Show a volume, by name or id (with its error_reason, if it failed)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("volume", metavar="<volume>", help="name or id")
        return parser

    def take_action(self, parsed_args):
        block = cli.client(self.cloud)
        return view(cli.find_volume(block, parsed_args.volume))


class CreateVolume(command.ShowOne):
    """Create a volume: empty, or from an image, a snapshot or another volume.

    The volume is created by the volume agent of the backend the scheduler picks:
    it is `creating`, then `available` (or `error`, with an error_reason). --wait
    waits for that, showing its status on a terminal.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="the new volume's name")
        parser.add_argument("--size", metavar="<GiB>", type=cli.size_gib,
                            help="size in GiB (required, except from a snapshot or "
                                 "a volume: theirs by default)")
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--image", metavar="<image>",
                            help="copy this image (name or id) onto it (bootable)")
        source.add_argument("--snapshot", metavar="<snapshot>",
                            help="a copy of this snapshot (name or id)")
        source.add_argument("--source", metavar="<volume>",
                            help="a copy of this volume (name or id)")
        parser.add_argument("--type", metavar="<type>",
                            help="volume type (name or id; default: the cloud's "
                                 "default type)")
        parser.add_argument("--availability-zone", metavar="<zone>",
                            help="availability zone (default: the cloud's)")
        parser.add_argument("--description", metavar="<text>", help="a description")
        cli.add_property_option(parser, "a property of the volume (metadata)")
        waiting.add_wait_options(parser, "the volume is available")
        return parser

    def take_action(self, parsed_args):
        args = parsed_args
        if args.size is None and not (args.snapshot or args.source):
            raise errors.CommandError("--size is required (except with --snapshot or "
                                      "--source)")
        block = cli.client(self.cloud)
        attrs = {"name": args.name, "description": args.description,
                 "availability_zone": args.availability_zone,
                 "metadata": dict(args.properties) or None}
        if args.type:
            attrs["volume_type"] = args.type   # the API takes a name or an id
        if args.image:
            from sovra_image import cli as image_cli
            from sovra_image.cli.image import find_image

            attrs["image_id"] = find_image(image_cli.client(self.cloud), args.image)["id"]
        elif args.snapshot:
            attrs["snapshot_id"] = cli.find_snapshot(block, args.snapshot)["id"]
        elif args.source:
            attrs["source_volid"] = cli.find_volume(block, args.source)["id"]
        volume = block.create_volume(size=args.size, **attrs)
        if args.wait:
            volume = waiting.until_status(self, block.get_volume, volume, {"available"},
                                          args.wait_timeout)
        return view(volume)


class DeleteVolume(command.Command):
    """Delete one or more volumes, by name or id (not while attached)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("volumes", metavar="<volume>", nargs="+", help="name or id")
        parser.add_argument("--purge", action="store_true",
                            help="delete the volume's snapshots with it (cascade)")
        waiting.add_wait_options(parser, "each volume is gone")
        return parser

    def take_action(self, parsed_args):
        block = cli.client(self.cloud)

        def delete(name):
            volume = cli.find_volume(block, name)
            block.delete_volume(volume["id"], cascade=parsed_args.purge)
            if parsed_args.wait:
                waiting.until_gone(self, block.get_volume, volume,
                                   parsed_args.wait_timeout)

        command.for_each(self, parsed_args.volumes, delete, "volume")


class SetVolume(command.Command):
    """Change a volume: name, description, properties, bootable and read-only flags."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("volume", metavar="<volume>", help="name or id")
        parser.add_argument("--name", metavar="<name>", help="new name")
        parser.add_argument("--description", metavar="<text>", help="new description")
        cli.add_property_option(parser, "add or change a property")
        parser.add_argument("--unset-property", metavar="<key>", action="append",
                            default=[], help="remove a property (repeat for several)")
        boot = parser.add_mutually_exclusive_group()
        boot.add_argument("--bootable", dest="bootable", action="store_true",
                          default=None, help="mark it bootable")
        boot.add_argument("--non-bootable", dest="bootable", action="store_false",
                          help="mark it not bootable")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--read-only", dest="read_only", action="store_true",
                          default=None, help="attach it read-only from now on")
        mode.add_argument("--read-write", dest="read_only", action="store_false",
                          help="attach it read-write from now on")
        return parser

    def take_action(self, parsed_args):
        args = parsed_args
        changes = {k: v for k, v in (("name", args.name),
                                     ("description", args.description)) if v is not None}
        if not (changes or args.properties or args.unset_property or
                args.bootable is not None or args.read_only is not None):
            raise errors.CommandError("nothing to change: give --name, --description, "
                                      "--property, --unset-property, --bootable or "
                                      "--read-only (see --help)")
        block = cli.client(self.cloud)
        volume = cli.find_volume(block, args.volume)
        if changes:
            block.update_volume(volume["id"], **changes)
        if args.properties:
            block.set_volume_metadata(volume["id"], dict(args.properties))
        for key in args.unset_property:
            block.delete_volume_metadata_item(volume["id"], key)
        if args.bootable is not None:
            block.set_bootable(volume["id"], args.bootable)
        if args.read_only is not None:
            block.set_readonly(volume["id"], args.read_only)


class ExtendVolume(command.ShowOne):
    """Grow a volume to a new size (GiB); volumes never shrink."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("volume", metavar="<volume>", help="name or id")
        parser.add_argument("--size", metavar="<GiB>", type=cli.size_gib, required=True,
                            help="the new size, larger than the current one")
        waiting.add_wait_options(parser, "the volume has its new size")
        return parser

    def take_action(self, parsed_args):
        block = cli.client(self.cloud)
        volume = cli.find_volume(block, parsed_args.volume)
        if parsed_args.size <= volume["size"]:
            raise errors.CommandError(
                f"--size {parsed_args.size}: {volume.get('name') or volume['id']} is "
                f"{volume['size']} GiB already; volumes only grow")
        block.extend_volume(volume["id"], parsed_args.size)
        if parsed_args.wait:
            return view(waiting.until_status(
                self, block.get_volume, volume, {"available", "in-use"},
                parsed_args.wait_timeout,
                check=lambda v: v["size"] >= parsed_args.size))
        return view(block.get_volume(volume["id"]))
