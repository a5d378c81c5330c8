"""``sovra quota show|set``: a project's quotas in every service that has them.

The command is the cloud's, the quotas are each service's: a service with quotas
says so under the ``sovra.quota.parts`` entry point group, ``<service type> =
sovra_<svc>.cli.quota``, a module holding

- ``RESOURCES``: {resource name as ``sovra quota`` shows it and as its ``set``
  option (``cores`` -> ``--cores``): (the API's key, what it counts)};
- ``get(cloud, project_id, *, default=False) -> dict``: the limits (the API's keys);
- ``update(cloud, project_id, limits)``: set these (the API's keys).

Parts are imported when a quota command runs, and each reaches its service through
that service's client. ``show`` skips a service the catalog does not have; ``set``
fails on it (one error line).
"""

from __future__ import annotations

from sovra_common.cli import command, errors

GROUP = "sovra.quota.parts"


def parts() -> list[tuple[str, object]]:
    """[(service type, part module)], in the entry points' name order."""
    from importlib import metadata

    return [(ep.name, ep.load())
            for ep in sorted(metadata.entry_points(group=GROUP), key=lambda e: e.name)]


def _project_id(cloud, name_or_id: str | None) -> str:
    """``name_or_id`` looked up in identity, or the token's own project."""
    if not name_or_id:
        return cloud.access().project_id
    from sovra_identity import cli as identity_cli

    return identity_cli.client(cloud).find_project(name_or_id)["id"]


def _limit(text: str) -> int:
    """argparse type of a limit: a whole number, -1 for unlimited (else a usage
    error, exit status 2)."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: not a whole number") from None
    if value < -1:
        raise argparse.ArgumentTypeError(f"{value}: a limit is -1 (unlimited) or more")
    return value


class ShowQuota(command.Lister):
    """Show a project's quotas (compute, block storage, network...): each
    resource's limit, -1 for unlimited."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--project", metavar="<project>",
                            help="this project's (name or id; default: your own)")
        parser.add_argument("--default", action="store_true",
                            help="the defaults new projects get, not the project's")
        return parser

    def take_action(self, parsed_args):
        from keystoneauth1 import exceptions as ks_exc

        project_id = _project_id(self.cloud, parsed_args.project)
        rows = []
        for _service, part in parts():
            try:
                values = part.get(self.cloud, project_id, default=parsed_args.default)
            except ks_exc.EndpointNotFound:
                if self.cloud.from_cache:
                    raise   # the cached catalog may predate the service: log in again
                continue    # not in this cloud
            known = {key for key, _ in part.RESOURCES.values()}
            rows += [(name, values[key]) for name, (key, _) in part.RESOURCES.items()
                     if key in values]
            rows += [(key, value) for key, value in sorted(values.items())
                     if key not in known and key != "id"]
        return ("Resource", "Limit"), rows


class SetQuota(command.Command):
    """Set a project's quotas (admin): each option is one resource's limit, -1 for
    unlimited; each service is asked only for its own resources."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("project", metavar="<project>", help="name or id")
        for service, part in parts():
            group = parser.add_argument_group(f"{service} quotas")
            for name, (_key, what) in part.RESOURCES.items():
                group.add_argument(f"--{name}", metavar="<n>", type=_limit,
                                   dest=f"quota:{service}:{name}", help=what)
        return parser

    def take_action(self, parsed_args):
        wanted = []
        for service, part in parts():
            limits = {}
            for name, (key, _what) in part.RESOURCES.items():
                value = getattr(parsed_args, f"quota:{service}:{name}", None)
                if value is not None:
                    limits[key] = value
            if limits:
                wanted.append((part, limits))
        if not wanted:
            raise errors.CommandError("nothing to change: give at least one limit, "
                                      "e.g. --cores 20 (see --help)")
        project_id = _project_id(self.cloud, parsed_args.project)
        for part, limits in wanted:
            part.update(self.cloud, project_id, limits)
