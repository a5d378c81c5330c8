"""``sovra``: the application (console script ``sovra = sovra_common.cli.app:main``).

Commands come from the ``sovra.cli`` entry point group, one per command, underscores
for spaces (``project_list = sovra_identity.cli.project:ListProject``). They are
found without importing them: a module is imported only when its command runs (or
``sovra --help`` lists it).
"""

from __future__ import annotations

import sys

from cliff import app as cliff_app
from cliff import commandmanager

from sovra_common.cli import auth
from sovra_common.cli import token_cache as tc

ENTRY_POINTS = "sovra.cli"


class _Lazy:
    """An entry point stand-in for a command given as a class or "module:Class"."""

    def __init__(self, name: str, target):
        self.name = name
        self.value = target if isinstance(target, str) else \
            f"{target.__module__}:{target.__qualname__}"
        self._target = target

    def load(self):
        if not isinstance(self._target, str):
            return self._target
        import importlib

        module, _, attr = self._target.partition(":")
        obj = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
        return obj


class CommandTable(commandmanager.CommandManager):
    """cliff's CommandManager over a table {"project list": class or "mod:Class"}, or
    over the ``sovra.cli`` entry points (read, not imported)."""

    def __init__(self, commands: dict | None = None):
        self._table = commands
        super().__init__(None)

    def _load_commands(self) -> None:
        if self._table is not None:
            for name, target in self._table.items():
                self.commands[name] = _Lazy(name, target)
            return
        self.group_list.append(ENTRY_POINTS)
        for ep in entry_points(ENTRY_POINTS):
            self.commands[ep.name.replace("_", " ")] = ep


def entry_points(group: str) -> list:
    """The group's entry points, as ``importlib.metadata.entry_points(group=)`` finds
    them, in half its time: only the distributions whose entry_points.txt names the
    group are parsed (the others, 140 here, are only read). The first distribution on
    sys.path with a name wins, as importlib's own de-duplication has it."""
    from importlib import metadata

    header = f"[{group}]"
    found: dict = {}
    for dist in metadata.distributions():
        text = dist.read_text("entry_points.txt")
        if not text or header not in text:
            continue
        for ep in dist.entry_points.select(group=group):
            found.setdefault(ep.name, ep)
    return list(found.values())


class SovraApp(cliff_app.App):
    """The ``sovra`` app: global options, the cloud (built on first use) and the
    token cache written back after each command."""

    NAME = "sovra"

    def __init__(self, commands: dict | None = None, token_cache=None, **streams):
        super().__init__(
            description="Sovra's command line: every service of the cloud, with the "
                        "openstack CLI's options and command shapes.",
            version=_version(),
            command_manager=CommandTable(commands),
            deferred_help=True,
            **streams)
        self._token_cache = token_cache
        self._cloud = None

    def build_option_parser(self, description, version, argparse_kwargs=None):
        argparse_kwargs = {"prog": self.NAME, **(argparse_kwargs or {})}
        parser = super().build_option_parser(description, version, argparse_kwargs)
        auth.add_options(parser)
        return parser

    def print_help_if_requested(self) -> None:
        """``sovra --help``: the options, then every command with its summary. Unlike
        cliff's own help this does not instantiate each command (which loads every
        output formatter): it reads the command classes' docstrings."""
        if not (self.deferred_help and self.options.deferred_help):
            return
        self._print_help(self.stdout)
        raise SystemExit(0)

    def interact(self) -> None:
        """``sovra`` with no command: the help, as a usage error (no interactive
        shell)."""
        self._print_help(self.stderr)
        raise SystemExit(2)

    def _print_help(self, out) -> None:
        self.parser.print_help(out)
        out.write("\nCommands (sovra help <command> for its options):\n")
        rows = []
        for name, ep in sorted(self.command_manager):
            try:
                doc = (ep.load().__doc__ or "").strip()
            except Exception as exc:  # a broken plugin must not hide the others
                doc = f"(cannot load: {exc})"
            rows.append((name, " ".join(doc.split("\n\n")[0].split())))
        width = min(max(len(n) for n, _ in rows), 34)
        for name, summary in rows:
            out.write(f"  {name:<{width}}  {summary}\n")

    def configure_logging(self) -> None:
        super().configure_logging()
        if self.options.verbose_level <= 1 and not self.options.debug:
            # keystoneauth warns about version discovery on its way to an error that
            # is then printed as the one error line: keep stderr to that line
            import logging

            logging.getLogger("keystoneauth").setLevel(logging.ERROR)

    @property
    def cloud(self) -> auth.Cloud:
        if self._cloud is None:
            cache = self._token_cache if self._token_cache is not None else tc.TokenCache()
            self._cloud = auth.Cloud(self.options, cache)
        return self._cloud

    def clean_up(self, cmd, result, err):
        if self._cloud is not None:
            self._cloud.finish()


def _version() -> str:
    try:
        from importlib import metadata

        return metadata.version("sovra")
    except Exception:  # not installed (running from a checkout)
        return "0"


def main(argv=None, commands: dict | None = None, token_cache=None) -> int:
    """``commands`` replaces entry-point discovery (tests); ``token_cache`` a
    ``TokenCache`` in another directory."""
    app = SovraApp(commands, token_cache)
    try:
        return app.run(sys.argv[1:] if argv is None else list(argv))
    except SystemExit as exc:  # --help, usage errors (argparse)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)


if __name__ == "__main__":
    sys.exit(main())
