"""``sovra volume attachment list|show``: the attachments API's records (3.27+), one
per volume attached (or being attached) to a server."""

from sovra_block import cli
from sovra_common.cli import command, output

COLUMNS = [("ID", "id"), ("Volume ID", "volume_id"), ("Server ID", "instance"),
           ("Status", "status")]
FIELDS = ["id", "volume_id", "instance", "status", "attach_mode", "attached_at",
          "detached_at", "connection_info"]


class ListVolumeAttachment(command.Lister):
    """List volume attachments (yours; --all-projects: every project's, for admins)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--volume-id", metavar="<volume-id>",
                            help="only this volume's")
        parser.add_argument("--status", metavar="<status>",
                            help="only in this status (attached, reserved...)")
        parser.add_argument("--all-projects", action="store_true",
                            help="every project's attachments (admin)")
        return parser

    def take_action(self, parsed_args):
        filters = {"volume_id": parsed_args.volume_id, "status": parsed_args.status,
                   "all_tenants": "1" if parsed_args.all_projects else None}
        attachments = cli.client(self.cloud).list_attachments(
            **{k: v for k, v in filters.items() if v is not None})
        return output.listing(attachments, COLUMNS)


class ShowVolumeAttachment(command.ShowOne):
    """Show a volume attachment, by id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("attachment", metavar="<attachment-id>")
        return parser

    def take_action(self, parsed_args):
        return output.show(cli.client(self.cloud).get_attachment(parsed_args.attachment),
                           FIELDS)
