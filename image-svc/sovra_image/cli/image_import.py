"""Interoperable image import: ``sovra image stage`` (upload the data to the image's
staging area) and ``sovra image import`` (have the image service import it)."""

import os
import sys

from sovra_common.cli import command, errors, output, progress
from sovra_image import cli
from sovra_image.cli.image import find_image

METHODS = ("glance-direct", "web-download", "copy-image")
HIDDEN = ("links", "self", "file", "schema")


class StageImage(command.Command):
    """Upload an image's data to its staging area (from --file, else stdin); the
    image goes to 'uploading' until ``sovra image import`` imports it."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("image", metavar="<image>", help="name or id")
        parser.add_argument("--file", metavar="<file>",
                            help="the disk image to stage (default: stdin)")
        parser.add_argument("--progress", action="store_true",
                            help="show a progress line (a terminal gets one anyway)")
        return parser

    def take_action(self, parsed_args):
        if parsed_args.file and not os.path.isfile(parsed_args.file):
            raise errors.CommandError(f"no such file: {parsed_args.file}")
        if not parsed_args.file and sys.stdin.isatty():
            raise errors.CommandError("give the data with --file or on stdin")
        images = cli.client(self.cloud)
        image = find_image(images, parsed_args.image)
        if not parsed_args.file:
            images.stage(image["id"], sys.stdin.buffer)
            return
        with open(parsed_args.file, "rb") as data:
            reader = progress.ProgressReader(
                data, self.app.stderr, f"Staging {os.path.basename(parsed_args.file)}")
            images.stage(image["id"], reader)


class ImportImage(command.ShowOne):
    """Import an image's data: staged data (glance-direct, the default), a URL
    (web-download) or a copy into more stores (copy-image); --wait until it is
    active."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("image", metavar="<image>", help="name or id")
        parser.add_argument("--method", choices=METHODS, default="glance-direct",
                            help="how to import (default: glance-direct)")
        parser.add_argument("--uri", metavar="<uri>",
                            help="with --method web-download: the URL to fetch")
        parser.add_argument("--store", metavar="<store>", action="append", default=[],
                            dest="stores", help="a store to import into (repeat for "
                                                "more)")
        parser.add_argument("--wait", action="store_true",
                            help="wait until the image is active (fail if it is not)")
        return parser

    def take_action(self, parsed_args):
        if (parsed_args.method == "web-download") != bool(parsed_args.uri):
            raise errors.CommandError("--uri goes with --method web-download, and "
                                      "web-download needs --uri")
        if parsed_args.method == "copy-image" and not parsed_args.stores:
            raise errors.CommandError("--method copy-image needs --store")
        images = cli.client(self.cloud)
        image = find_image(images, parsed_args.image)
        images.import_image(image["id"], parsed_args.method, uri=parsed_args.uri,
                            stores=parsed_args.stores or None)
        if parsed_args.wait:
            try:
                image = progress.wait_for(
                    lambda: images.get_image(image["id"]), ready={"active"},
                    # a failed import leaves the image queued again, nothing stored
                    failed={"queued", "killed", "deleted"}, stream=self.app.stderr,
                    label=f"image {image['name'] or image['id']}",
                    fault=lambda i: "the import failed, nothing was stored"
                    if i["status"] == "queued" else None)
            except progress.WaitFailed as exc:
                raise errors.CommandError(str(exc)) from exc
        else:
            image = images.get_image(image["id"])
        return output.show(image, exclude=HIDDEN)
