"""``sovra console log <server> [--lines N] [--follow]``: a server's serial console."""

import time

from sovra_common.cli import command, errors
from sovra_compute import cli

#: how much of the last output identifies where new output starts
_OVERLAP = 4096


def new_part(before: str, now: str) -> str:
    """What ``now`` adds to ``before`` (two reads of a console log whose start may
    have scrolled away: the API serves its tail)."""
    if now.startswith(before):
        return now[len(before):]
    tail = before[-_OVERLAP:]
    at = now.rfind(tail) if tail else -1
    return now[at + len(tail):] if at >= 0 else now


class ShowConsoleLog(command.Command):
    """Show a server's console output (what its guest printed on the serial port)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("server", metavar="<server>", help="name or id")
        parser.add_argument("--lines", metavar="<n>", type=int, default=None,
                            help="only the last <n> lines")
        parser.add_argument("--follow", "-f", action="store_true",
                            help="keep printing new output until interrupted (Ctrl-C) "
                                 "or the server is deleted")
        parser.add_argument("--interval", metavar="<seconds>", type=float, default=2.0,
                            help="with --follow: seconds between reads (default 2)")
        return parser

    def take_action(self, parsed_args):
        from keystoneauth1 import exceptions as ks_exc

        compute = cli.client(self.cloud)
        server = compute.find_server(parsed_args.server)
        if parsed_args.lines is not None and parsed_args.lines < 0:
            raise errors.CommandError("--lines must be 0 or more")
        shown = compute.console_output(server["id"])
        if parsed_args.lines is not None:  # whole lines (the API's length counts
            # the empty piece after a final newline as a line, as upstream's does)
            lines = shown.splitlines(keepends=True)
            shown = "".join(lines[len(lines) - parsed_args.lines:]) \
                if parsed_args.lines else ""
        self._write(shown)
        if not parsed_args.follow:
            return
        try:
            while True:
                time.sleep(max(parsed_args.interval, 0.1))
                try:
                    now = compute.console_output(server["id"])
                except ks_exc.NotFound:
                    self.app.stderr.write(f"{server['name']} was deleted\n")
                    return
                self._write(new_part(shown, now))
                shown = now
        except KeyboardInterrupt:
            return

    def _write(self, text):
        if text:
            self.app.stdout.write(text)
            self.app.stdout.flush()
