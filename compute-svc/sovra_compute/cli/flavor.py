"""``sovra flavor list|show|create|delete|set|unset``."""

from sovra_common.cli import command, errors, output
from sovra_compute import cli

COLUMNS = [("ID", "id"), ("Name", "name"), ("RAM", "ram"), ("Disk", "disk"),
           ("Ephemeral", "OS-FLV-EXT-DATA:ephemeral"), ("VCPUs", "vcpus"),
           ("Is Public", "os-flavor-access:is_public")]


class ListFlavor(command.Lister):
    """List flavors (public ones; --all adds private ones for an admin)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--all", action="store_true",
                            help="public and private flavors (admin)")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        flavors = compute.list_flavors(is_public="None" if parsed_args.all else None)
        return output.listing(sorted(flavors, key=lambda f: (f["ram"], f["name"])),
                              COLUMNS)


class ShowFlavor(command.ShowOne):
    """Show a flavor, by name or id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("flavor", metavar="<flavor>", help="name or id")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        return view(compute, compute.find_flavor(parsed_args.flavor))


def view(compute, flavor: dict) -> tuple:
    """A flavor as ``openstack flavor show`` has it: its extra specs as
    ``properties``, a private one's projects as ``access_project_ids`` (when the
    caller may read them)."""
    from keystoneauth1 import exceptions as ks_exc

    shown = dict(flavor)
    shown["properties"] = shown.pop("extra_specs", {})
    shown["access_project_ids"] = None
    if not flavor.get("os-flavor-access:is_public", True):
        try:
            shown["access_project_ids"] = compute.list_flavor_access(flavor["id"])
        except ks_exc.Forbidden:
            pass
    return output.show(shown)


def _add_project(parser, what: str) -> None:
    parser.add_argument("--project", metavar="<project>", dest="projects",
                        action="append", default=[],
                        help=f"{what} (name or id; repeatable; private flavors only)")


class CreateFlavor(command.ShowOne):
    """Create a flavor (admin)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<flavor-name>", help="the new flavor's name")
        parser.add_argument("--id", metavar="<id>",
                            help="its id (default: a UUID chosen by the API)")
        parser.add_argument("--ram", type=int, metavar="<size-mb>", default=256,
                            help="memory in MiB (default 256)")
        parser.add_argument("--disk", type=int, metavar="<size-gb>", default=0,
                            help="root disk in GiB (default 0: the image's size)")
        parser.add_argument("--ephemeral", type=int, metavar="<size-gb>", default=0,
                            help="ephemeral disk in GiB (default 0)")
        parser.add_argument("--swap", type=int, metavar="<size-mb>", default=0,
                            help="swap disk in MiB (default 0)")
        parser.add_argument("--vcpus", type=int, metavar="<vcpus>", default=1,
                            help="virtual CPUs (default 1)")
        parser.add_argument("--rxtx-factor", type=float, metavar="<factor>",
                            help="network bandwidth factor (default 1.0)")
        parser.add_argument("--description", metavar="<description>")
        public = parser.add_mutually_exclusive_group()
        public.add_argument("--public", dest="public", action="store_true",
                            default=True, help="every project may use it (default)")
        public.add_argument("--private", dest="public", action="store_false",
                            help="only admins (and projects given access) may use it")
        parser.add_argument("--property", metavar="<key=value>", dest="properties",
                            type=cli.key_value, action="append", default=[],
                            help="an extra spec (repeatable)")
        _add_project(parser, "a project that may use it (with --private)")
        return parser

    def take_action(self, parsed_args):
        if parsed_args.projects and parsed_args.public:
            raise errors.CommandError("--project is only for a --private flavor")
        compute = cli.client(self.cloud)
        projects = [cli.project_id(self.cloud, p) for p in parsed_args.projects]
        flavor = compute.create_flavor(
            parsed_args.name, ram=parsed_args.ram, vcpus=parsed_args.vcpus,
            disk=parsed_args.disk, id=parsed_args.id, swap=parsed_args.swap,
            rxtx_factor=parsed_args.rxtx_factor, description=parsed_args.description,
            **{"OS-FLV-EXT-DATA:ephemeral": parsed_args.ephemeral,
               "os-flavor-access:is_public": parsed_args.public})
        if parsed_args.properties:
            compute.set_flavor_extra_specs(flavor["id"], dict(parsed_args.properties))
            flavor = compute.get_flavor(flavor["id"])
        for project in projects:
            compute.add_flavor_access(flavor["id"], project)
        return view(compute, flavor)


class DeleteFlavor(command.Command):
    """Delete one or more flavors, by name or id (admin)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("flavors", metavar="<flavor>", nargs="+", help="name or id")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        command.for_each(self, parsed_args.flavors, lambda name: compute.delete_flavor(
            compute.find_flavor(name)["id"]), "flavor")


class SetFlavor(command.Command):
    """Set a flavor's properties (extra specs), description or projects (admin)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("flavor", metavar="<flavor>", help="name or id")
        parser.add_argument("--property", metavar="<key=value>", dest="properties",
                            type=cli.key_value, action="append", default=[],
                            help="an extra spec to add or change (repeatable)")
        parser.add_argument("--no-property", action="store_true",
                            help="remove every extra spec first (then add --property)")
        parser.add_argument("--description", metavar="<description>",
                            help="a new description")
        _add_project(parser, "a project to give access to")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        flavor = compute.find_flavor(parsed_args.flavor)
        for project in parsed_args.projects:
            compute.add_flavor_access(flavor["id"], cli.project_id(self.cloud, project))
        if parsed_args.no_property:
            for key in flavor.get("extra_specs") or {}:
                compute.delete_flavor_extra_spec(flavor["id"], key)
        if parsed_args.properties:
            compute.set_flavor_extra_specs(flavor["id"], dict(parsed_args.properties))
        if parsed_args.description is not None:
            compute.update_flavor(flavor["id"], parsed_args.description)


class UnsetFlavor(command.Command):
    """Remove properties (extra specs) or projects from a flavor (admin)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("flavor", metavar="<flavor>", help="name or id")
        parser.add_argument("--property", metavar="<key>", dest="properties",
                            action="append", default=[],
                            help="an extra spec to remove (repeatable)")
        _add_project(parser, "a project to take access from")
        return parser

    def take_action(self, parsed_args):
        if not parsed_args.properties and not parsed_args.projects:  # usage error
            self.app.stderr.write("sovra flavor unset: error: nothing to unset: give "
                                  "--property or --project\n")
            return errors.EXIT_USAGE
        compute = cli.client(self.cloud)
        flavor = compute.find_flavor(parsed_args.flavor)
        for project in parsed_args.projects:
            compute.remove_flavor_access(flavor["id"],
                                         cli.project_id(self.cloud, project))
        for key in parsed_args.properties:
            compute.delete_flavor_extra_spec(flavor["id"], key)
