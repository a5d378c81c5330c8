"""``sovra image add project|remove project`` and ``sovra image member list``:
sharing an image (visibility ``shared``) with other projects."""

from sovra_common.cli import command, output
from sovra_image import cli
from sovra_image.cli.image import find_image

MEMBER_FIELDS = ["image_id", "member_id", "status", "created_at", "updated_at"]


def project_id(cloud, name_or_id: str) -> str:
    """A project's id by name or id, asked of identity; the text as given when the
    caller may not look projects up (a member's id is all the image API needs)."""
    from keystoneauth1 import exceptions as ks_exc

    from sovra_common import exception
    from sovra_identity import cli as identity_cli

    try:
        return identity_cli.client(cloud).find_project(name_or_id)["id"]
    except (ks_exc.Forbidden, ks_exc.NotFound, exception.NotFound):
        return name_or_id


class _ImageProject(command.Command):
    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("image", metavar="<image>", help="image name or id")
        parser.add_argument("project", metavar="<project>", help="project name or id")
        return parser


class AddProjectToImage(_ImageProject, command.ShowOne):
    """Share an image with a project (the project then accepts it: ``sovra image set
    --accept``)."""

    def take_action(self, parsed_args):
        images = cli.client(self.cloud)
        image = find_image(images, parsed_args.image)
        member = images.add_member(image["id"], project_id(self.cloud, parsed_args.project))
        return output.show(member, MEMBER_FIELDS)


class RemoveProjectFromImage(_ImageProject):
    """Stop sharing an image with a project."""

    def take_action(self, parsed_args):
        images = cli.client(self.cloud)
        image = find_image(images, parsed_args.image)
        images.remove_member(image["id"], project_id(self.cloud, parsed_args.project))


class ListImageMember(command.Lister):
    """List the projects an image is shared with, and their answers."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("image", metavar="<image>", help="name or id")
        return parser

    def take_action(self, parsed_args):
        images = cli.client(self.cloud)
        members = images.list_members(find_image(images, parsed_args.image)["id"])
        return output.listing(sorted(members, key=lambda m: m["member_id"]),
                              [("Image ID", "image_id"), ("Member ID", "member_id"),
                               ("Status", "status")])
