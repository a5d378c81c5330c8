"""``sovra security group list|show|create|delete|set``."""

from cliff import columns as cliff_columns

from sovra_common.cli import command, output
from sovra_network import cli

COLUMNS = [("ID", "id"), ("Name", "name"), ("Description", "description"),
           ("Project", "project_id"), ("Tags", "tags")]


def rule_summary(rule: dict) -> str:
    """One rule in a line: ``ingress IPv4 tcp 22:22 from 0.0.0.0/0``."""
    parts = [rule.get("direction") or "", rule.get("ethertype") or "",
             rule.get("protocol") or "any"]
    if rule.get("port_range_min") is not None:
        parts.append(port_range(rule))
    remote = rule.get("remote_ip_prefix") or (
        f"group {rule['remote_group_id']}" if rule.get("remote_group_id") else None)
    if remote:
        parts.append(("from " if rule.get("direction") == "ingress" else "to ") + remote)
    return " ".join(parts)


def port_range(rule: dict) -> str:
    low, high = rule.get("port_range_min"), rule.get("port_range_max")
    if low is None:
        return ""
    return f"{low}:{high if high is not None else low}"


class RulesColumn(cliff_columns.FormattableColumn):
    """A group's rules: the API's dicts for json/yaml, one line each in a table."""

    def human_readable(self) -> str:
        return "\n".join(rule_summary(r) for r in self._value or [])


def view(group: dict) -> tuple:
    fields, values = output.show(group)
    return fields, tuple(RulesColumn(group.get("security_group_rules") or [])
                         if f == "security_group_rules" else v
                         for f, v in zip(fields, values, strict=True))


class ListSecurityGroup(command.Lister):
    """List security groups."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--name", metavar="<name>", help="only groups of this name")
        cli.add_project_option(parser, "only this project's groups (name or id)")
        return parser

    def take_action(self, parsed_args):
        groups = cli.client(self.cloud).list_security_groups(
            name=parsed_args.name, project_id=cli.project_id(self.cloud, parsed_args))
        return output.listing(sorted(groups, key=lambda g: (g.get("name") or "", g["id"])),
                              COLUMNS)


class ShowSecurityGroup(command.ShowOne):
    """Show a security group, by name or id, with its rules."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("group", metavar="<group>", help="name or id")
        return parser

    def take_action(self, parsed_args):
        return view(cli.find_security_group(cli.client(self.cloud), parsed_args.group))


class CreateSecurityGroup(command.ShowOne):
    """Create a security group: it allows all egress and nothing in, until rules
    are added (security group rule create)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="the new group's name")
        parser.add_argument("--description", metavar="<text>")
        state = parser.add_mutually_exclusive_group()
        state.add_argument("--stateful", dest="stateful", action="store_true",
                           default=None, help="replies to allowed traffic pass (the "
                                              "default)")
        state.add_argument("--stateless", dest="stateful", action="store_false",
                           help="every packet matched by the rules alone")
        cli.add_project_option(parser, "create it in this project (name or id; admin)")
        cli.add_tag_options(parser, "security group")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        attrs = cli.attrs_from(parsed_args, "description", "stateful")
        if parsed_args.project:
            attrs["project_id"] = cli.project_id(self.cloud, parsed_args)
        group = net.create_security_group(parsed_args.name, **attrs)
        return view(cli.apply_tags(net, "security-groups", group, parsed_args))


class DeleteSecurityGroup(command.Command):
    """Delete one or more security groups, by name or id (not in use by ports)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("groups", metavar="<group>", nargs="+", help="name or id")
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        command.for_each(
            self, parsed_args.groups,
            lambda name: net.delete_security_group(
                cli.find_security_group(net, name)["id"]),
            "security group")


class SetSecurityGroup(command.Command):
    """Rename a security group, change its description or tags."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("group", metavar="<group>", help="name or id")
        parser.add_argument("--name", metavar="<name>", help="rename it")
        parser.add_argument("--description", metavar="<text>")
        cli.add_tag_options(parser, "security group", unset=True)
        return parser

    def take_action(self, parsed_args):
        net = cli.client(self.cloud)
        group = cli.find_security_group(net, parsed_args.group)
        attrs = cli.attrs_from(parsed_args, "name", "description")
        if attrs:
            group = net.update_security_group(group["id"], **attrs)
        cli.apply_tags(net, "security-groups", group, parsed_args)
