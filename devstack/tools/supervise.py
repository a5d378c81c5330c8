"""Keep one program running: start it, restart it when it dies, stop it on SIGTERM.

    python supervise.py --name sovra-image-api --child-pidfile run/sovra-image-api.child \
        --log log/sovra-image-api.out -- sovra-image-api --config-file ...

Used by devstack/stack.sh in split mode (one supervisor per API). The program's
output and the supervisor's own lines ("supervise[NAME]: ...") go to --log. A program
that dies is restarted after a backoff (0.5 s, doubling up to 30 s; back to 0.5 s once a
run lasted --stable-after seconds). SIGTERM or SIGINT stops the program (SIGTERM,
then SIGKILL after --stop-timeout) and then the supervisor. If the supervisor itself
is killed, the kernel sends the program SIGTERM (Linux's parent-death signal), so no
orphan keeps the port. Standard library only.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import subprocess
import sys
import time

_PR_SET_PDEATHSIG = 1


class Supervisor:
    def __init__(self, args):
        self.args = args
        self.child: subprocess.Popen | None = None
        self.stopping = False
        self.log = open(args.log, "ab", buffering=0)  # noqa: SIM115 (lives as long as we do)

    def say(self, message: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        self.log.write(f"{stamp} supervise[{self.args.name}]: {message}\n".encode())

    def on_signal(self, signum, _frame) -> None:
        self.stopping = True
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signal.SIGTERM)

    def start_child(self) -> None:
        self.child = subprocess.Popen(
            self.args.command, stdin=subprocess.DEVNULL, stdout=self.log,
            stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        _write_atomically(self.args.child_pidfile, f"{self.child.pid}\n")
        self.say(f"started pid {self.child.pid}: {' '.join(self.args.command)}")

    def wait_child(self) -> int:
        deadline = None
        while True:
            try:
                return self.child.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                pass
            if self.stopping:
                deadline = deadline or time.monotonic() + self.args.stop_timeout
                if time.monotonic() > deadline:
                    self.say(f"pid {self.child.pid} did not stop in "
                             f"{self.args.stop_timeout:.0f} s: killing it")
                    self.child.kill()

    def sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(0.1)

    def run(self) -> int:
        backoff = self.args.backoff
        while not self.stopping:
            started = time.monotonic()
            try:
                self.start_child()
            except OSError as exc:
                self.say(f"cannot start {self.args.command[0]}: {exc}")
                self.child = None
            else:
                code = self.wait_child()
                if self.stopping:
                    self.say(f"stopped pid {self.child.pid} (exit {code})")
                    break
                self.say(f"pid {self.child.pid} exited {_describe(code)} after "
                         f"{time.monotonic() - started:.1f} s")
            if time.monotonic() - started >= self.args.stable_after:
                backoff = self.args.backoff
            self.say(f"restarting in {backoff:.1f} s")
            self.sleep(backoff)
            backoff = min(backoff * 2, self.args.max_backoff)
        _remove(self.args.child_pidfile)
        return 0


def _describe(code: int) -> str:
    if code < 0:
        try:
            return f"on signal {signal.Signals(-code).name}"
        except ValueError:
            return f"on signal {-code}"
    return f"with status {code}"


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM it when the supervisor dies."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: unstack.sh also stops the program by its PID file


def _write_atomically(path: str, text: str) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", required=True, help="name in the log lines")
    parser.add_argument("--child-pidfile", required=True,
                        help="where the running program's PID is kept")
    parser.add_argument("--log", required=True, help="file to append all output to")
    parser.add_argument("--backoff", type=float, default=0.5,
                        help="first restart delay in seconds (doubles per quick death)")
    parser.add_argument("--max-backoff", type=float, default=30.0)
    parser.add_argument("--stable-after", type=float, default=30.0,
                        help="a run this long resets the backoff")
    parser.add_argument("--stop-timeout", type=float, default=15.0,
                        help="seconds between SIGTERM and SIGKILL when stopping")
    parser.add_argument("command", nargs="+", help="the program and its arguments")
    args = parser.parse_args(argv)
    try:
        os.setsid()  # out of the caller's process group: a ^C there is not ours
    except OSError:
        pass  # already a group leader
    supervisor = Supervisor(args)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, supervisor.on_signal)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    supervisor.say(f"supervisor pid {os.getpid()}")
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
