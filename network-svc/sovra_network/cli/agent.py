"""``sovra network agent list|show|set|delete``: the network agents the API
remembers, alive while their heartbeat lasts (a stopped one is listed not alive
until deleted, see service/agent.py)."""

from sovra_common.cli import command, output
from sovra_network import cli

COLUMNS = [("ID", "id"), ("Agent Type", "agent_type"), ("Host", "host"),
           ("Availability Zone", "availability_zone"), ("Alive", "alive"),
           ("State", "state"), ("Binary", "binary")]


class ListNetworkAgent(command.Lister):
    """List the network agents (admin)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--host", metavar="<host>", help="only this node's agents")
        parser.add_argument("--agent-type", metavar="<type>",
                            help="only agents of this type, e.g. 'Linux bridge agent'")
        parser.add_argument("--long", action="store_true",
                            help="also show when it started and its configuration")
        return parser

    def take_action(self, parsed_args):
        agents = cli.client(self.cloud).list_agents(
            **cli.attrs_from(parsed_args, "host", "agent_type"))
        rows = [dict(a, state="UP" if a.get("admin_state_up") else "DOWN")
                for a in agents]
        columns = COLUMNS + ([("Started At", "started_at"),
                              ("Configurations", "configurations")]
                             if parsed_args.long else [])
        return output.listing(sorted(rows, key=lambda a: (a["host"], a["agent_type"])),
                              columns)


class ShowNetworkAgent(command.ShowOne):
    """Show a network agent, by id or host (admin)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("agent", metavar="<agent>", help="id or host")
        return parser

    def take_action(self, parsed_args):
        return output.show(_find(cli.client(self.cloud), parsed_args.agent))


def _find(net, name: str) -> dict:
    return cli.find("network agent", name, net.get_agent,
                    lambda host: net.list_agents(host=host), key="host", label="host")


class SetNetworkAgent(command.Command):
    """Change a network agent's description or administrative state (admin)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("agent", metavar="<agent>", help="id or host")
        parser.add_argument("--description", metavar="<text>")
        cli.add_enable_options(parser, "agent")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        attrs = cli.attrs_from(parsed_args, "description", "admin_state_up")
        if attrs:
            net.update_agent(_find(net, parsed_args.agent)["id"], **attrs)


class DeleteNetworkAgent(command.Command):
    """Forget network agents, by id or host (admin); one still running is listed
    again."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("agents", metavar="<agent>", nargs="+", help="id or host")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        command.for_each(
            self, parsed_args.agents,
            lambda name: net.delete_agent(_find(net, name)["id"]), "network agent")
