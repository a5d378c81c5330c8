"""sovra-manage: operator commands of every service, one tool.

    sovra-manage <service> db sync [--revision REV]   create/upgrade the schema
    sovra-manage <service> db version                 print the schema revision
    sovra-manage <service> db check                   compare the schema with the models

Services come from two entry-point groups (setup.cfg):

``sovra.manage.databases``
    ``<service> = <module>:<ServiceDatabase instance>``: a service that owns a
    database (see :class:`sovra_common.db.ServiceDatabase`). Each one gets the
    ``db`` commands.

``sovra.manage.commands``
    ``<service>-<command> = <module>:<ManageCommand instance>``: any further command
    group, e.g. ``sovra-manage identity fernet rotate``. The instance's ``service``
    must name a service registered in ``sovra.manage.databases`` (its config project
    is used). See :class:`ManageCommand`.

Global options (--config-file, --config-dir, --debug) may go anywhere on the command
line. Exit status: 0 success, 1 failure (one line on stderr; --debug adds the
traceback), 2 bad usage.
"""

import abc
import argparse
import dataclasses
import logging
import sys
import traceback
from collections.abc import Iterable, Sequence
from importlib import metadata as importlib_metadata

from oslo_config import cfg
from sqlalchemy import exc as sa_exc

from sovra_common import conf as sovra_conf
from sovra_common import exception
from sovra_common.db import Database, errors, migration
from sovra_common.db.migration import ServiceDatabase

PROG = "sovra-manage"
DATABASES_GROUP = "sovra.manage.databases"
COMMANDS_GROUP = "sovra.manage.commands"


class CommandError(Exception):
    """A command failed in a way the operator can act on; the message is the one
    line printed (no traceback without --debug)."""


class ManageContext:
    """What a command gets to work with, built lazily: config is read on first use."""

    def __init__(self, service: ServiceDatabase, config_args: Sequence[str]):
        self.service = service
        self._config_args = list(config_args)
        self._conf = None
        self._database = None

    @property
    def conf(self) -> cfg.ConfigOpts:
        """The service's configuration: common option groups registered, files loaded.
        A command may register its own options on it (oslo.config allows it late)."""
        if self._conf is None:
            conf = sovra_conf.new_conf()
            try:
                sovra_conf.load(conf, self.service.config_project, args=self._config_args)
            except cfg.ConfigFilesNotFoundError as exc:
                raise CommandError("config file not found: "
                                   f"{', '.join(exc.config_files)}") from exc
            except cfg.Error as exc:
                raise CommandError(f"bad configuration: {exc}") from exc
            self._conf = conf
        return self._conf

    def database(self) -> Database:
        """The service's Database from [database] connection (closed by sovra-manage)."""
        if self._database is None:
            conf = self.conf
            if not conf.database.connection:
                files = ", ".join(conf.config_file) or "none found"
                raise CommandError(
                    f"[database] connection is not set for {self.service.name} "
                    f"(config files read: {files}; use --config-file)")
            try:
                self._database = Database.from_conf(conf, name=self.service.name)
            except Exception as exc:  # e.g. an unparsable URL or an unknown backend
                raise CommandError(f"bad [database] connection: {exc}") from exc
        return self._database

    def print(self, *args) -> None:
        """Print a result line on stdout."""
        print(*args, file=sys.stdout)

    def close(self) -> None:
        if self._database is not None:
            self._database.dispose()


class ManageCommand(abc.ABC):
    """A command group under ``sovra-manage <service>``.

    Register an instance in the ``sovra.manage.commands`` entry-point group. Set the
    class attributes, add arguments (and sub-commands, if you like) to the parser
    given, and do the work in run(). Raise CommandError (or a SovraError) for a
    failure the operator can fix: its message becomes the one error line. Global
    options are taken off the command line before your parser sees it.
    """

    service: str
    """The ServiceDatabase name this command belongs to."""
    name: str
    """The command, as typed after the service name."""
    help: str
    """One line for the service's --help."""

    @abc.abstractmethod
    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Add this command's arguments to ``parser`` (its own sub-parser)."""

    @abc.abstractmethod
    def run(self, context: ManageContext, args: argparse.Namespace) -> int | None:
        """Do the work; return the exit status (None means 0)."""


class DbCommand(ManageCommand):
    """``db``: the schema commands every service with a database gets."""

    name = "db"
    help = "database schema: sync, version, check"

    def __init__(self, service: str):
        self.service = service

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="db_action", metavar="ACTION", required=True,
                                        title="actions")
        sync = actions.add_parser(
            "sync", help="create the schema or upgrade it to the latest revision",
            description="Create the service's tables, or upgrade them to the latest "
                        "revision (or --revision). Safe to run again: a database "
                        "already at that revision is left as it is.")
        sync.add_argument("--revision", default="head",
                          help="upgrade only up to this revision (default: %(default)s)")
        actions.add_parser(
            "version", help="print the revision the schema is at",
            description="Print the schema's current revision ('base' for a database "
                        "never synced).")
        actions.add_parser(
            "check", help="compare the schema with the service's models",
            description="Compare the database's schema with the service's models; "
                        "list the differences and exit 1 if there are any (a schema "
                        "behind its migrations, or changed by hand).")
        for sub in (parser, *actions.choices.values()):
            sub.epilog = _GLOBAL_OPTIONS_EPILOG

    def run(self, context, args):
        return getattr(self, f"_{args.db_action}")(context, args)

    def _sync(self, context, args):
        service = context.service
        database = context.database()
        before = migration.current(database)
        after = migration.upgrade(database, service.migrations, args.revision)
        if before == after:
            context.print(f"{service.name}: database already at {_revs(after)}")
        else:
            context.print(f"{service.name}: database upgraded from {_revs(before)} "
                          f"to {_revs(after)}")

    def _version(self, context, args):
        context.print(_revs(migration.current(context.database())))

    def _check(self, context, args):
        service = context.service
        if service.models is None:
            raise CommandError(f"{service.name} declares no models to check against")
        database = context.database()
        differences = migration.compare(database, service.load_metadata())
        heads = migration.heads(service.migrations)
        current = migration.current(database)
        if current != heads:
            differences.insert(0, f"schema at {_revs(current)}, latest is {_revs(heads)}: "
                                  f"run `{PROG} {service.name} db sync`")
        for line in differences:
            context.print(line)
        if differences:
            raise CommandError(f"{service.name}: schema differs from the models "
                               f"({len(differences)} differences)")
        context.print(f"{service.name}: schema matches the models at {_revs(current)}")


def _revs(revisions):
    return ", ".join(revisions) if revisions else "base"


@dataclasses.dataclass
class _Registry:
    services: dict[str, ServiceDatabase]
    commands: dict[str, list[ManageCommand]]


def main(argv: Sequence[str] | None = None, *,
         services: Iterable[ServiceDatabase] | None = None,
         commands: Iterable[ManageCommand] | None = None) -> int:
    """Run sovra-manage; returns the exit status.

    ``services``/``commands`` replace entry-point discovery (for tests).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    global_opts, rest = _global_parser().parse_known_args(argv)
    debug = global_opts.debug

    def fail(message, status=1):
        if debug and sys.exc_info()[0] is not None:
            traceback.print_exc(file=sys.stderr)
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return status

    try:
        registry = _registry(services, commands)
    except CommandError as exc:
        return fail(exc)
    if not registry.services and not {"-h", "--help"} & set(rest):
        return fail(_NO_SERVICES)
    try:
        args = _build_parser(registry).parse_args(rest)
    except SystemExit as exc:  # --help, or bad usage (argparse printed why)
        return 0 if exc.code is None else exc.code

    config_args = [x for path in global_opts.config_file for x in ("--config-file", path)]
    config_args += [x for path in global_opts.config_dir for x in ("--config-dir", path)]
    context = ManageContext(registry.services[args.service], config_args)
    restore_logging = _setup_logging(debug)
    try:
        return args.command.run(context, args) or 0
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except Exception as exc:
        return fail(_one_line(exc))
    finally:
        context.close()
        restore_logging()


# --- parsing -----------------------------------------------------------------------------

_NO_SERVICES = (f"no services are registered (entry-point group {DATABASES_GROUP}): "
                "is sovra installed?")
_GLOBAL_OPTIONS_EPILOG = (
    "global options, accepted anywhere on the command line: --config-file PATH "
    "(repeatable; default: <project>.conf in oslo.config's search path), "
    "--config-dir DIR, --debug (log, and show tracebacks)")


def _add_global_options(parser, default=None):
    parser.add_argument("--config-file", action="append", metavar="PATH",
                        default=[] if default is None else default,
                        help="a config file to read (repeatable); default: "
                             "<project>.conf in oslo.config's search path")
    parser.add_argument("--config-dir", action="append", metavar="DIR",
                        default=[] if default is None else default,
                        help="a directory of *.conf files to read (repeatable)")
    parser.add_argument("--debug", action="store_true",
                        default=False if default is None else default,
                        help="log what happens, and print tracebacks on failure")


def _global_parser():
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    _add_global_options(parser)
    return parser


def _build_parser(registry):
    parser = argparse.ArgumentParser(
        prog=PROG, allow_abbrev=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Operator commands of the Sovra services: the database schema\n"
                    "(db sync, db version, db check) and whatever else a service\n"
                    "adds. Each service reads its own config file.",
        epilog="examples:\n"
               f"  {PROG} identity db sync --config-file /etc/sovra/identity.conf\n"
               f"  {PROG} compute db version\n"
               f"  {PROG} <service> --help\n\n"
               "Services and commands are registered through the entry-point groups\n"
               f"{DATABASES_GROUP} and {COMMANDS_GROUP}.")
    if not registry.services:
        parser.description += f"\n\n{_NO_SERVICES}"
    _add_global_options(parser, default=argparse.SUPPRESS)
    services = parser.add_subparsers(dest="service", metavar="SERVICE", required=True,
                                     title="services")
    for name, service in sorted(registry.services.items()):
        service_parser = services.add_parser(
            name, help=service.description or f"the {name} service",
            description=f"Commands of the {name} service (config project "
                        f"{service.config_project!r}).",
            epilog=_GLOBAL_OPTIONS_EPILOG, allow_abbrev=False)
        actions = service_parser.add_subparsers(dest="command_name", metavar="COMMAND",
                                                required=True, title="commands")
        for command in [DbCommand(name), *registry.commands.get(name, [])]:
            command_parser = actions.add_parser(
                command.name, help=command.help, description=command.help,
                epilog=_GLOBAL_OPTIONS_EPILOG, allow_abbrev=False)
            command.add_arguments(command_parser)
            command_parser.set_defaults(command=command)
    return parser


# --- discovery ---------------------------------------------------------------------------

def _registry(services, commands):
    if services is None:
        services = _load_entry_points(DATABASES_GROUP, ServiceDatabase)
    if commands is None:
        commands = _load_entry_points(COMMANDS_GROUP, ManageCommand)
    by_name = {}
    for service in services:
        if service.name in by_name:
            raise CommandError(f"two services are registered as {service.name!r}")
        by_name[service.name] = service
    by_service = {}
    for command in commands:
        if command.service not in by_name:
            print(f"{PROG}: warning: command {command.name!r} is for service "
                  f"{command.service!r}, which is not registered; ignored",
                  file=sys.stderr)
            continue
        taken = [c.name for c in by_service.get(command.service, [])] + ["db"]
        if command.name in taken:
            raise CommandError(f"two {command.service} commands are named "
                               f"{command.name!r}")
        by_service.setdefault(command.service, []).append(command)
    return _Registry(by_name, by_service)


def _load_entry_points(group, kind):
    """The objects registered in ``group``; one that fails to load is skipped with a
    warning, so a broken service cannot lock the operator out of the others."""
    loaded = []
    for entry_point in importlib_metadata.entry_points(group=group):
        try:
            obj = entry_point.load()
            if not isinstance(obj, kind):
                raise TypeError(f"{entry_point.value} is a {type(obj).__name__}, "
                                f"not a {kind.__name__}")
            if kind is ServiceDatabase and obj.name != entry_point.name:
                raise ValueError(f"entry point {entry_point.name!r} names a service "
                                 f"called {obj.name!r}")
        except Exception as exc:
            print(f"{PROG}: warning: cannot load {group} entry point "
                  f"{entry_point.name!r}: {_one_line(exc)}", file=sys.stderr)
            continue
        loaded.append(obj)
    return loaded


# --- output ------------------------------------------------------------------------------

def _setup_logging(debug):
    """Warnings (and with --debug, everything, alembic's steps included) on stderr;
    returns a function that undoes it, for callers that embed main()."""
    root = logging.getLogger()
    handler = None
    if not root.handlers:  # the console script; leave an embedding program's alone
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    level = root.level
    root.setLevel(logging.DEBUG if debug else min(level or logging.WARNING,
                                                  logging.WARNING))

    def restore():
        root.setLevel(level)
        if handler is not None:
            root.removeHandler(handler)

    return restore


def _one_line(exc):
    """``exc`` as one line: a database driver's own message rather than SQLAlchemy's
    wrapping (which adds the SQL and a link)."""
    domain = errors.translate(exc)
    if domain is not None:
        exc = domain
    elif isinstance(exc, sa_exc.DBAPIError) and exc.orig is not None:
        exc = exc.orig
    text = " ".join(str(exc).split())
    if isinstance(exc, (CommandError, exception.SovraError)):
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
