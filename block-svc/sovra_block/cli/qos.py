"""``sovra volume qos create|list|show|delete|set|unset|associate|disassociate``:
QoS specifications (admin) and the volume types they apply to."""

from sovra_block import cli
from sovra_common.cli import command, errors, output

_CONSUMERS = ("front-end", "back-end", "both")


def _shown(block, qos: dict) -> dict:
    """The spec as ``openstack volume qos show`` has it: properties and the names
    of the associated volume types."""
    return {"id": qos["id"], "name": qos["name"], "consumer": qos.get("consumer"),
            "properties": qos.get("specs") or {},
            "associations": [a["name"] for a in block.list_qos_associations(qos["id"])]}


class ListQos(command.Lister):
    """List QoS specifications, with the volume types each applies to (admin)."""

    def take_action(self, parsed_args):
        block = cli.client(self.cloud)
        rows = [_shown(block, qos) for qos in block.list_qos_specs()]
        return output.listing(rows, [("ID", "id"), ("Name", "name"),
                                     ("Consumer", "consumer"),
                                     ("Associations", "associations"),
                                     ("Properties", "properties")])


class ShowQos(command.ShowOne):
    """Show a QoS specification, by name or id (admin)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("qos", metavar="<qos-spec>", help="name or id")
        return parser

    def take_action(self, parsed_args):
        block = cli.client(self.cloud)
        return output.show(_shown(block, cli.find_qos(block, parsed_args.qos)))


class CreateQos(command.ShowOne):
    """Create a QoS specification (admin): limits such as total_iops_sec, applied
    by the front end (the hypervisor), the back end, or both; it takes effect on
    the volume types it is associated with."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="the new spec's name")
        parser.add_argument("--consumer", metavar="<consumer>", choices=_CONSUMERS,
                            help="who enforces it: " + ", ".join(_CONSUMERS) +
                                 " (default: back-end)")
        cli.add_property_option(parser, "a QoS key, e.g. total_iops_sec=500")
        return parser

    def take_action(self, parsed_args):
        block = cli.client(self.cloud)
        qos = block.create_qos_specs(parsed_args.name, consumer=parsed_args.consumer,
                                     specs=dict(parsed_args.properties))
        return output.show(_shown(block, qos))


class DeleteQos(command.Command):
    """Delete one or more QoS specifications, by name or id (admin; --force: even
    while associated with volume types)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("qos_specs", metavar="<qos-spec>", nargs="+",
                            help="name or id")
        parser.add_argument("--force", action="store_true",
                            help="delete it even while associated")
        return parser

    def take_action(self, parsed_args):
        block = cli.client(self.cloud)

        def delete(name):
            block.delete_qos_specs(cli.find_qos(block, name)["id"],
                                   force=parsed_args.force)

        command.for_each(self, parsed_args.qos_specs, delete, "QoS specification")


class SetQos(command.Command):
    """Add or change keys of a QoS specification (admin)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("qos", metavar="<qos-spec>", help="name or id")
        cli.add_property_option(parser, "add or change a QoS key")
        return parser

    def take_action(self, parsed_args):
        if not parsed_args.properties:
            raise errors.CommandError("nothing to change: give --property (see --help)")
        block = cli.client(self.cloud)
        block.set_qos_specs_keys(cli.find_qos(block, parsed_args.qos)["id"],
                                 dict(parsed_args.properties))


class UnsetQos(command.Command):
    """Remove keys from a QoS specification (admin)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("qos", metavar="<qos-spec>", help="name or id")
        parser.add_argument("--property", metavar="<key>", dest="keys", action="append",
                            default=[], help="a key to remove (repeat for several)")
        return parser

    def take_action(self, parsed_args):
        if not parsed_args.keys:
            raise errors.CommandError("nothing to remove: give --property (see --help)")
        block = cli.client(self.cloud)
        block.unset_qos_specs_keys(cli.find_qos(block, parsed_args.qos)["id"],
                                   parsed_args.keys)


class AssociateQos(command.Command):
    """Apply a QoS specification to a volume type (admin): volumes of that type
    get its limits."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("qos", metavar="<qos-spec>", help="name or id")
        parser.add_argument("volume_type", metavar="<volume-type>", help="name or id")
        return parser

    def take_action(self, parsed_args):
        block = cli.client(self.cloud)
        qos = cli.find_qos(block, parsed_args.qos)
        volume_type = cli.find_volume_type(block, parsed_args.volume_type)
        block.associate_qos_specs(qos["id"], volume_type["id"])


class DisassociateQos(command.Command):
    """Stop applying a QoS specification to a volume type, or (--all) to every
    volume type (admin)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("qos", metavar="<qos-spec>", help="name or id")
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--volume-type", metavar="<volume-type>",
                           help="this volume type (name or id)")
        which.add_argument("--all", action="store_true", help="every volume type")
        return parser

    def take_action(self, parsed_args):
        block = cli.client(self.cloud)
        qos = cli.find_qos(block, parsed_args.qos)
        type_id = None if parsed_args.all else \
            cli.find_volume_type(block, parsed_args.volume_type)["id"]
        block.disassociate_qos_specs(qos["id"], type_id)
