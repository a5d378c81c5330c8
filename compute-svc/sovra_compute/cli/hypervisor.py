"""``sovra hypervisor list|show`` (os-hypervisors: each compute node, with its
capacity and usage from placement)."""

from sovra_common.cli import command, output
from sovra_compute import cli


class ListHypervisor(command.Lister):
    """List hypervisors (compute nodes) (admin)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--matching", metavar="<hostname>",
                            help="only those whose host name contains this")
        parser.add_argument("--long", action="store_true",
                            help="also show vCPUs and memory, used and total")
        return parser

    def take_action(self, parsed_args):
        hypervisors = cli.client(self.cloud).list_hypervisors(
            pattern=parsed_args.matching)
        columns = [("ID", "id"), ("Hypervisor Hostname", "hypervisor_hostname"),
                   ("Hypervisor Type", "hypervisor_type"), ("Host IP", "host_ip"),
                   ("State", "state")]
        if parsed_args.long:
            columns += [("vCPUs Used", "vcpus_used"), ("vCPUs", "vcpus"),
                        ("Memory MB Used", "memory_mb_used"), ("Memory MB", "memory_mb")]
        return output.listing(
            sorted(hypervisors, key=lambda h: h["hypervisor_hostname"]), columns)


class ShowHypervisor(command.ShowOne):
    """Show a hypervisor, by host name or id (admin)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("hypervisor", metavar="<hypervisor>",
                            help="host name or id")
        return parser

    def take_action(self, parsed_args):
        hypervisor = dict(cli.client(self.cloud).find_hypervisor(parsed_args.hypervisor))
        service = hypervisor.pop("service", None) or {}
        hypervisor.update(service_id=service.get("id"),
                          service_host=service.get("host"))
        return output.show(hypervisor)
