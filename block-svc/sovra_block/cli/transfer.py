"""``sovra volume transfer request create|list|show|delete|accept``: give a volume
to another project."""

from sovra_block import cli
from sovra_common.cli import command, output

_COLUMNS = [("ID", "id"), ("Name", "name"), ("Volume", "volume_id")]


def view(transfer: dict) -> tuple:
    return output.show(transfer)


class ListTransfer(command.Lister):
    """List volume transfer requests (yours; --all-projects: every project's, for
    admins)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--all-projects", action="store_true",
                            help="every project's transfer requests (admin)")
        return parser

    def take_action(self, parsed_args):
        transfers = cli.client(self.cloud).list_transfers(
            **({"all_tenants": "1"} if parsed_args.all_projects else {}))
        return output.listing(transfers, _COLUMNS + [("Created At", "created_at")])


class ShowTransfer(command.ShowOne):
    """Show a volume transfer request, by name or id (never its auth key)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("transfer", metavar="<transfer-request>",
                            help="name or id")
        return parser

    def take_action(self, parsed_args):
        return view(cli.find_transfer(cli.client(self.cloud), parsed_args.transfer))


class CreateTransfer(command.ShowOne):
    """Offer a volume to another project: prints the request's id and its auth key.

    The auth key is shown this once: hand it and the id to the receiving project,
    which runs `sovra volume transfer request accept --auth-key <key> <id>`. The
    volume must be available; until accepted or deleted it is awaiting-transfer.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("volume", metavar="<volume>",
                            help="the volume to give (name or id)")
        parser.add_argument("--name", metavar="<name>", help="the request's name")
        return parser

    def take_action(self, parsed_args):
        block = cli.client(self.cloud)
        volume = cli.find_volume(block, parsed_args.volume)
        return view(block.create_transfer(volume["id"], name=parsed_args.name))


class DeleteTransfer(command.Command):
    """Withdraw one or more volume transfer requests, by name or id (the volume
    stays yours)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("transfers", metavar="<transfer-request>", nargs="+",
                            help="name or id")
        return parser

    def take_action(self, parsed_args):
        block = cli.client(self.cloud)

        def delete(name):
            block.delete_transfer(cli.find_transfer(block, name)["id"])

        command.for_each(self, parsed_args.transfers, delete,
                         "volume transfer request")


class AcceptTransfer(command.ShowOne):
    """Accept a volume transfer request (its id and auth key, from the giving
    project): the volume becomes your project's."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("transfer", metavar="<transfer-request-id>",
                            help="the request's id (another project's requests are "
                                 "not listed to you)")
        parser.add_argument("--auth-key", metavar="<key>", required=True,
                            help="the auth key the giving project was shown")
        return parser

    def take_action(self, parsed_args):
        accepted = cli.client(self.cloud).accept_transfer(parsed_args.transfer,
                                                          parsed_args.auth_key)
        return view(accepted)
