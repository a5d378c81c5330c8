"""``sovra server add volume|remove volume``: a server's volumes (os-volume_attachments).

The volume is looked up in block storage (name or id); compute does the attaching.
Both answer before the compute agent is done, as the API does: ``--wait`` follows
the volume to in-use (or available), with the block commands' progress line."""

from sovra_common.cli import command, output
from sovra_compute import cli


def _block(cloud):
    """Block storage's client and its CLI helpers (imported on first use)."""
    from sovra_block import cli as block_cli

    return block_cli, block_cli.client(cloud)


def _add_wait(parser, what: str) -> None:
    from sovra_block.cli import waiting

    waiting.add_wait_options(parser, what)


class AddVolumeToServer(command.ShowOne):
    """Attach a volume to a server (the volume must be available)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="name or id")
        parser.add_argument("volume", metavar="<volume>", help="name or id")
        parser.add_argument("--device", metavar="<device>",
                            help="the guest device wished for, e.g. /dev/vdb "
                                 "(default: the next free one)")
        _add_wait(parser, "the volume is in-use")
        return parser

    def take_action(self, parsed_args):
        block_cli, block = _block(self.cloud)
        compute = cli.client(self.cloud)
        server = compute.find_server(parsed_args.server)
        volume = block_cli.find_volume(block, parsed_args.volume)
        attachment = compute.attach_volume(server["id"], volume["id"],
                                           device=parsed_args.device)
        if parsed_args.wait:
            from sovra_block.cli import waiting

            def get(volume_id):
                # reserved when the API answered: available again means the
                # compute agent gave up and let the volume go
                current = block.get_volume(volume_id)
                if current["status"] == "available":
                    return dict(current, status="error (not attached)",
                                error_reason="the attach failed: see sovra server "
                                             f"show {server.get('name') or server['id']}")
                return current

            waiting.until_status(self, get, volume, {"in-use"},
                                 parsed_args.wait_timeout)
        return output.show({"id": attachment.get("id"),
                            "server_id": attachment.get("serverId"),
                            "volume_id": attachment.get("volumeId"),
                            "device": attachment.get("device")},
                           fields=("id", "server_id", "volume_id", "device"))


class RemoveVolumeFromServer(command.Command):
    """Detach a volume from a server."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="name or id")
        parser.add_argument("volume", metavar="<volume>", help="name or id")
        _add_wait(parser, "the volume is available")
        return parser

    def take_action(self, parsed_args):
        block_cli, block = _block(self.cloud)
        compute = cli.client(self.cloud)
        server = compute.find_server(parsed_args.server)
        volume = block_cli.find_volume(block, parsed_args.volume)
        compute.detach_volume(server["id"], volume["id"])
        if parsed_args.wait:
            from sovra_block.cli import waiting

            waiting.until_status(self, block.get_volume, volume, {"available"},
                                 parsed_args.wait_timeout)
