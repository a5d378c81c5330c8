"""``sovra compute service list|set|delete`` (os-services)."""

from sovra_common.cli import command, errors, output
from sovra_compute import cli


class ListComputeService(command.Lister):
    """List compute services (conductor, agents): state, status, last heartbeat."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--host", metavar="<host>", help="only this host's")
        parser.add_argument("--service", metavar="<binary>",
                            help="only this binary's (e.g. nova-compute)")
        return parser

    def take_action(self, parsed_args):
        services = cli.client(self.cloud).list_services(host=parsed_args.host,
                                                        binary=parsed_args.service)
        return output.listing(
            sorted(services, key=lambda s: (s["binary"], s["host"])),
            [("ID", "id"), ("Binary", "binary"), ("Host", "host"), ("Zone", "zone"),
             ("Status", "status"), ("State", "state"), ("Updated At", "updated_at")])


class SetComputeService(command.Command):
    """Enable or disable a compute service, or force it down or up (admin)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("host", metavar="<host>", help="the service's host")
        parser.add_argument("service", metavar="<service>",
                            help="the service's binary (nova-compute)")
        status = parser.add_mutually_exclusive_group()
        status.add_argument("--enable", action="store_true",
                            help="new servers may be scheduled to it")
        status.add_argument("--disable", action="store_true",
                            help="no new server is scheduled to it")
        parser.add_argument("--disable-reason", metavar="<reason>",
                            help="why it is disabled (with --disable)")
        state = parser.add_mutually_exclusive_group()
        state.add_argument("--up", dest="forced_down", action="store_false",
                           default=None, help="no longer forced down")
        state.add_argument("--down", dest="forced_down", action="store_true",
                           help="forced down: taken as down whatever its heartbeat "
                                "says (e.g. its host is fenced)")
        return parser

    def take_action(self, parsed_args):
        if parsed_args.disable_reason and not parsed_args.disable:
            raise errors.CommandError("--disable-reason needs --disable")
        changes = {}
        if parsed_args.enable:
            changes["status"] = "enabled"
        if parsed_args.disable:
            changes["status"] = "disabled"
            if parsed_args.disable_reason:
                changes["disabled_reason"] = parsed_args.disable_reason
        if parsed_args.forced_down is not None:
            changes["forced_down"] = parsed_args.forced_down
        if not changes:
            return
        compute = cli.client(self.cloud)
        services = compute.list_services(host=parsed_args.host,
                                         binary=parsed_args.service)
        if not services:
            raise errors.CommandError(f"No {parsed_args.service} service on host "
                                      f"'{parsed_args.host}'.")
        compute.update_service(services[0]["id"], **changes)


class DeleteComputeService(command.Command):
    """Delete one or more compute services, by id (admin): an agent that is gone
    for good."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("services", metavar="<service>", nargs="+",
                            help="id (see compute service list)")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        command.for_each(self, parsed_args.services, compute.delete_service, "service")
