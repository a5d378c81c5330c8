"""``sovra image list|show|create|set|unset|delete|save``."""

import os
import uuid

from sovra_common.cli import command, errors, output, progress
from sovra_image import cli

DISK_FORMATS = ("raw", "qcow2", "vmdk", "vdi", "vhd", "vhdx", "iso", "ploop", "aki",
                "ari", "ami")
CONTAINER_FORMATS = ("bare", "ovf", "ova", "aki", "ari", "ami", "docker", "compressed")


def find_image(images, name_or_id: str) -> dict:
    """An image by id, else by exact name (unique)."""
    from sovra_common import exception

    try:
        uuid.UUID(name_or_id)
    except ValueError:
        pass
    else:
        try:
            return images.get_image(name_or_id)
        except exception.NotFound:
            pass
    found = list(images.list_images(name=name_or_id))
    if not found:
        raise errors.CommandError(f"No image with a name or id of '{name_or_id}'.")
    if len(found) > 1:
        raise errors.CommandError(f"More than one image is named '{name_or_id}'; "
                                  "use its id.")
    return found[0]


class ListImage(command.Lister):
    """List the images you can see."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--name", metavar="<name>", help="only images with this name")
        parser.add_argument("--status", metavar="<status>", help="only images in this status")
        parser.add_argument("--visibility",
                            choices=("public", "private", "shared", "community", "all"))
        parser.add_argument("--long", action="store_true",
                            help="also show formats, size, checksum, visibility, owner")
        return parser

    def take_action(self, parsed_args):
        filters = {k: getattr(parsed_args, k) for k in ("name", "status", "visibility")
                   if getattr(parsed_args, k)}
        images = list(cli.client(self.cloud).list_images(**filters))
        columns = [("ID", "id"), ("Name", "name"), ("Status", "status")]
        if parsed_args.long:
            columns += [("Disk Format", "disk_format"),
                        ("Container Format", "container_format"), ("Size", "size"),
                        ("Checksum", "checksum"), ("Visibility", "visibility"),
                        ("Owner", "owner")]
        return output.listing(images, columns)


class ShowImage(command.ShowOne):
    """Show an image, by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("image", metavar="<image>", help="name or id")
        return parser

    def take_action(self, parsed_args):
        image = find_image(cli.client(self.cloud), parsed_args.image)
        return output.show(image, exclude=("links", "self", "file", "schema"))


def _property(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ValueError(f"expected key=value, got '{text}'")
    return key, value


class CreateImage(command.ShowOne):
    """Create an image, and upload its data from --file (progress shown on a
    terminal)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="the new image's name")
        parser.add_argument("--file", metavar="<path>", help="disk image to upload")
        parser.add_argument("--disk-format", choices=DISK_FORMATS, default="raw",
                            help="format of the data (default: raw)")
        parser.add_argument("--container-format", choices=CONTAINER_FORMATS,
                            default="bare", help="container of the data (default: bare)")
        parser.add_argument("--visibility",
                            choices=("public", "private", "shared", "community"))
        parser.add_argument("--min-disk", type=int, metavar="<GiB>")
        parser.add_argument("--min-ram", type=int, metavar="<MiB>")
        parser.add_argument("--property", metavar="<key=value>", type=_property,
                            action="append", default=[], help="a custom property "
                            "(repeat for more)")
        parser.add_argument("--tag", metavar="<tag>", action="append", default=[])
        return parser

    def take_action(self, parsed_args):
        if parsed_args.file and not os.path.isfile(parsed_args.file):
            raise errors.CommandError(f"no such file: {parsed_args.file}")
        images = cli.client(self.cloud)
        attrs = {"name": parsed_args.name, "disk_format": parsed_args.disk_format,
                 "container_format": parsed_args.container_format,
                 **dict(parsed_args.property)}
        for key in ("visibility", "min_disk", "min_ram"):
            if getattr(parsed_args, key) is not None:
                attrs[key] = getattr(parsed_args, key)
        if parsed_args.tag:
            attrs["tags"] = parsed_args.tag
        image = images.create_image(**attrs)
        if parsed_args.file:
            with open(parsed_args.file, "rb") as data:
                reader = progress.ProgressReader(
                    data, self.app.stderr, f"Uploading {os.path.basename(parsed_args.file)}")
                images.upload(image["id"], reader)
            image = images.get_image(image["id"])
        return output.show(image, exclude=("links", "self", "file", "schema"))


VISIBILITIES = ("public", "private", "shared", "community")


class SetImage(command.Command):
    """Change an image: name, formats, visibility, protection, properties, tags;
    deactivate or reactivate it; as a member project, accept or reject it."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("image", metavar="<image>", help="name or id")
        parser.add_argument("--name", metavar="<name>", help="its new name")
        parser.add_argument("--min-disk", type=int, metavar="<GiB>")
        parser.add_argument("--min-ram", type=int, metavar="<MiB>")
        parser.add_argument("--disk-format", choices=DISK_FORMATS)
        parser.add_argument("--container-format", choices=CONTAINER_FORMATS)
        protected = parser.add_mutually_exclusive_group()
        protected.add_argument("--protected", dest="protected", action="store_true",
                               default=None, help="it cannot be deleted")
        protected.add_argument("--unprotected", dest="protected", action="store_false",
                               help="it can be deleted")
        visibility = parser.add_mutually_exclusive_group()
        for name in VISIBILITIES:
            visibility.add_argument(f"--{name}", dest="visibility", action="store_const",
                                    const=name, help=f"make it {name}")
        parser.add_argument("--property", metavar="<key=value>", type=_property,
                            action="append", default=[],
                            help="set a custom property (repeat for more)")
        parser.add_argument("--tag", metavar="<tag>", action="append", default=[],
                            help="add a tag (repeat for more)")
        state = parser.add_mutually_exclusive_group()
        state.add_argument("--deactivate", dest="state", action="store_const",
                           const="deactivate", help="make its data unavailable "
                                                    "(admin)")
        state.add_argument("--activate", dest="state", action="store_const",
                           const="reactivate", help="reactivate a deactivated image")
        member = parser.add_mutually_exclusive_group()
        for status, text in (("accept", "accepted"), ("reject", "rejected"),
                             ("pending", "pending")):
            member.add_argument(f"--{status}", dest="member_status", action="store_const",
                                const=text, help=f"as a member project: mark the shared "
                                                 f"image {text}")
        parser.add_argument("--project", metavar="<project>",
                            help="with --accept/--reject/--pending: the member project "
                                 "(default: yours)")
        return parser

    def take_action(self, parsed_args):
        if parsed_args.project and not parsed_args.member_status:
            raise errors.CommandError("--project goes with --accept, --reject or --pending")
        images = cli.client(self.cloud)
        image = find_image(images, parsed_args.image)
        changes = dict(parsed_args.property)
        for key in ("name", "min_disk", "min_ram", "disk_format", "container_format",
                    "protected", "visibility"):
            if getattr(parsed_args, key) is not None:
                changes[key] = getattr(parsed_args, key)
        if changes:
            images.update_image(image["id"], **changes)
        for tag in parsed_args.tag:
            images.add_tag(image["id"], tag)
        if parsed_args.state == "deactivate":
            images.deactivate(image["id"])
        elif parsed_args.state == "reactivate":
            images.reactivate(image["id"])
        if parsed_args.member_status:
            from sovra_image.cli.image_member import project_id

            member = (project_id(self.cloud, parsed_args.project) if parsed_args.project
                      else self.cloud.access().project_id)
            images.update_member(image["id"], member, parsed_args.member_status)


class UnsetImage(command.Command):
    """Remove tags or custom properties from an image."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("image", metavar="<image>", help="name or id")
        parser.add_argument("--tag", metavar="<tag>", action="append", default=[],
                            help="remove this tag (repeat for more)")
        parser.add_argument("--property", metavar="<key>", action="append", default=[],
                            help="remove this custom property (repeat for more)")
        return parser

    def take_action(self, parsed_args):
        images = cli.client(self.cloud)
        image = find_image(images, parsed_args.image)
        for tag in parsed_args.tag:
            images.delete_tag(image["id"], tag)
        if parsed_args.property:
            images.remove_properties(image["id"], parsed_args.property)


class DeleteImage(command.Command):
    """Delete one or more images, by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("images", metavar="<image>", nargs="+", help="name or id")
        return parser

    def take_action(self, parsed_args):
        images = cli.client(self.cloud)
        command.for_each(self, parsed_args.images,
                         lambda name: images.delete_image(find_image(images, name)["id"]),
                         "image")


class SaveImage(command.Command):
    """Download an image's data to a file (verified against its hash)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("image", metavar="<image>", help="name or id")
        parser.add_argument("--file", metavar="<path>", required=True,
                            help="where to write the data ('-' for stdout)")
        return parser

    def take_action(self, parsed_args):
        images = cli.client(self.cloud)
        image_id = find_image(images, parsed_args.image)["id"]
        if parsed_args.file == "-":
            import sys

            images.download(image_id, sys.stdout.buffer)
            return
        partial = f"{parsed_args.file}.part"
        try:
            with open(partial, "wb") as out:
                images.download(image_id, out)
            os.replace(partial, parsed_args.file)
        except BaseException:
            if os.path.exists(partial):
                os.unlink(partial)
            raise
