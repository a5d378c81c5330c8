"""Base classes for ``sovra`` commands: cliff's Command / Lister / ShowOne plus the
one-line error contract and access to the cloud (``self.cloud``).

A command's ``take_action`` raises; ``run`` turns any exception into the error line
(``errors.error_line``) on stderr and exit code 1, with a traceback only under
``--debug``.
"""

from __future__ import annotations

import traceback

from cliff import command, lister, show

from sovra_common.cli import errors


class _Base:
    #: one-line summary shown by ``sovra --help`` (the class docstring's first line)

    @property
    def cloud(self):
        return self.app.cloud

    def run(self, parsed_args):
        try:
            return self._run_fresh_catalog(parsed_args)
        except errors.CommandError as exc:
            self.app.stderr.write(errors.error_line(exc) + "\n")
            return errors.EXIT_ERROR
        except Exception as exc:
            if getattr(self.app.options, "debug", False):
                traceback.print_exc(file=self.app.stderr)
            self.app.stderr.write(errors.error_line(exc) + "\n")
            return errors.EXIT_ERROR


    def _run_fresh_catalog(self, parsed_args):
        """Run; if a cached token's catalog lacks the service (it was added to the
        cloud after the token was issued), log in again and run once more."""
        from keystoneauth1 import exceptions as ks_exc

        try:
            return super().run(parsed_args)
        except ks_exc.EndpointNotFound:
            if not self.cloud.from_cache:
                raise
            self.cloud.invalidate()
            return super().run(parsed_args)


def for_each(cmd, names, action, kind: str) -> None:
    """Run ``action(name)`` for every name; keep going past failures. One name: its
    error propagates as is. Several: each failure's error line is printed, then a
    summary error (``2 of 3 projects failed``)."""
    if len(names) == 1:
        action(names[0])
        return
    failed = 0
    for name in names:
        try:
            action(name)
        except Exception as exc:
            failed += 1
            cmd.app.stderr.write(f"{name}: {errors.error_line(exc)}\n")
    if failed:
        raise errors.CommandError(f"{failed} of {len(names)} {kind}s failed")


class Command(_Base, command.Command):
    """A command whose output is not a table (delete, save...)."""


class Lister(_Base, lister.Lister):
    """A command that prints rows: ``take_action`` returns (headers, rows)."""


class ShowOne(_Base, show.ShowOne):
    """A command that prints one object: ``take_action`` returns (fields, values)."""
