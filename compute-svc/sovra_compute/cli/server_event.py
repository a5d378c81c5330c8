"""``sovra server event list|show``: a server's instance actions (who asked for
what, when, and how each step went)."""

from sovra_common.cli import command, output
from sovra_compute import cli


def _server_id(compute, name_or_id: str) -> str:
    """The server's id; a name or id compute no longer finds is taken as an id,
    so the actions of a deleted server can still be read."""
    from sovra_common import exception

    try:
        return compute.find_server(name_or_id)["id"]
    except exception.NotFound:
        return name_or_id


class ListServerEvent(command.Lister):
    """List a server's events (instance actions), oldest last."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="name or id")
        parser.add_argument("--long", action="store_true",
                            help="also show the message, project and user")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        actions = compute.list_server_actions(_server_id(compute, parsed_args.server))
        columns = [("Request ID", "request_id"), ("Server ID", "instance_uuid"),
                   ("Action", "action"), ("Start Time", "start_time")]
        if parsed_args.long:
            columns += [("Message", "message"), ("Project ID", "project_id"),
                        ("User ID", "user_id"), ("Updated At", "updated_at")]
        return output.listing(actions, columns)


class ShowServerEvent(command.ShowOne):
    """Show one of a server's events with its steps (and a failed step's
    details)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="name or id")
        parser.add_argument("request_id", metavar="<request-id>",
                            help="the event's request id (see server event list)")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        return output.show(compute.get_server_action(
            _server_id(compute, parsed_args.server), parsed_args.request_id))
