"""``sovra usage list|show`` (os-simple-tenant-usage): what each project's servers
used over a period, in hours."""

import datetime

from sovra_common.cli import command, output
from sovra_compute import cli

#: the period when --start is not given: the last four weeks, as openstack's
DEFAULT_DAYS = 28
COLUMNS = [("Project", "tenant_id"), ("Servers", "servers"),
           ("RAM MB-Hours", "total_memory_mb_usage"), ("CPU Hours", "total_vcpus_usage"),
           ("Disk GB-Hours", "total_local_gb_usage")]


def _date(text: str) -> datetime.datetime:
    """argparse type of --start / --end: YYYY-MM-DD (a usage error otherwise)."""
    import argparse

    try:
        return datetime.datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, not {text!r}") from None


def _add_period(parser) -> None:
    parser.add_argument("--start", metavar="<start>", type=_date,
                        help=f"from this day, YYYY-MM-DD (default: {DEFAULT_DAYS} "
                             "days ago)")
    parser.add_argument("--end", metavar="<end>", type=_date,
                        help="until this day, YYYY-MM-DD (default: tomorrow)")


def _period(parsed_args) -> tuple[str, str]:
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    start = parsed_args.start or now - datetime.timedelta(days=DEFAULT_DAYS)
    end = parsed_args.end or now + datetime.timedelta(days=1)
    return start.isoformat(timespec="seconds"), end.isoformat(timespec="seconds")


def _row(usage: dict) -> dict:
    row = {key: round(float(usage.get(key) or 0), 2)
           for _, key in COLUMNS[2:]}
    row["tenant_id"] = usage.get("tenant_id")
    row["servers"] = len(usage.get("server_usages") or [])
    return row


class ListUsage(command.Lister):
    """List every project's usage over a period (admin), by project name."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_period(parser)
        return parser

    def take_action(self, parsed_args):
        start, end = _period(parsed_args)
        usages = cli.client(self.cloud).list_usages(start, end)
        names = _project_names(self.cloud)
        rows = [dict(_row(u), tenant_id=names.get(u["tenant_id"], u["tenant_id"]))
                for u in usages]
        if parsed_args.formatter == "table":
            self.app.stdout.write(f"Usage from {start[:10]} to {end[:10]}:\n")
        return output.listing(sorted(rows, key=lambda r: r["tenant_id"]), COLUMNS)


def _project_names(cloud) -> dict:
    """Project id -> name, as identity lets the caller list them ({} when it does
    not: the ids are shown then)."""
    from keystoneauth1 import exceptions as ks_exc

    from sovra_identity import cli as identity_cli

    try:
        return {p["id"]: p["name"] for p in identity_cli.client(cloud).list_projects()}
    except ks_exc.HttpError:
        return {}


class ShowUsage(command.ShowOne):
    """Show a project's usage over a period (default: your project)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--project", metavar="<project>",
                            help="name or id (default: the current project)")
        _add_period(parser)
        return parser

    def take_action(self, parsed_args):
        start, end = _period(parsed_args)
        project = cli.project_id(self.cloud, parsed_args.project)
        usage = cli.client(self.cloud).get_usage(project, start, end)
        if parsed_args.formatter == "table":
            self.app.stdout.write(f"Usage from {start[:10]} to {end[:10]} on project "
                                  f"{project}:\n")
        row = _row(dict(usage, tenant_id=project))
        return tuple(h for h, _ in COLUMNS), tuple(row[k] for _, k in COLUMNS)
