"""Run several sovra-manage commands in one Python process (stack.sh's set-up).

    manage-batch.py < COMMANDS

Each line of standard input is one command: fields separated by tabs, first any
NAME=VALUE fields (environment variables set for that command only, e.g. the
SOVRA_SERVICE_PASSWORD of register-service: secrets never on a command line), and
``@quiet`` (its standard output is dropped), then sovra-manage's own arguments. The
commands run in order, each one as `sovra-manage` would run it
(sovra_common.cmd.manage.main); the first that fails ends the batch with its exit
status. Starting Python and importing Sovra once instead of once per command is
what this saves: stack.sh runs some twenty of them.
"""

import contextlib
import io
import os
import sys

from sovra_common.cmd import manage


def run(line: str) -> int:
    fields = line.rstrip("\n").split("\t")
    env, quiet = {}, False
    while fields and (fields[0] == "@quiet" or
                      ("=" in fields[0] and not fields[0].startswith("-"))):
        field = fields.pop(0)
        if field == "@quiet":
            quiet = True
        else:
            name, _, value = field.partition("=")
            env[name] = value
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        out = io.StringIO() if quiet else sys.stdout
        with contextlib.redirect_stdout(out):
            return manage.main(fields)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        sys.stdout.flush()


def main() -> int:
    for line in sys.stdin:
        if line.strip():
            status = run(line)
            if status:
                return status
    return 0


if __name__ == "__main__":
    sys.exit(main())
