"""``sovra server image create``: snapshot a server into an image."""

from sovra_common.cli import command, output, progress
from sovra_compute import cli
from sovra_compute.cli import server as server_cli


class CreateServerImage(command.ShowOne):
    """Create an image from a server's root disk (a snapshot); shows the image."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="name or id")
        parser.add_argument("--name", metavar="<image-name>",
                            help="the image's name (default: the server's)")
        parser.add_argument("--property", metavar="<key=value>", dest="properties",
                            type=cli.key_value, action="append", default=[],
                            help="a property of the image (repeatable)")
        server_cli.add_wait(parser, "the image is active")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        server = compute.find_server(parsed_args.server)
        name = parsed_args.name or server["name"]
        image_id = compute.create_server_image(server["id"], name,
                                               dict(parsed_args.properties) or None)
        images = cli.image_client(self.cloud)
        if parsed_args.wait:
            from sovra_common import exception

            def fetch():
                try:
                    return images.get_image(image_id)
                except exception.NotFound:  # a failed snapshot deletes its image
                    return {"status": "deleted"}

            image = progress.wait_for(
                fetch, ready={"active"},
                failed={"killed", "deleted"}, stream=self.app.stderr, label=name,
                timeout=parsed_args.wait_timeout,
                interval=server_cli.WAIT_INTERVALS[-1], sleep=server_cli.backoff())
        else:
            image = images.get_image(image_id)
        return output.show(image, exclude=("links", "self", "file", "schema"))
