"""What an installed ``sovra`` run wrote: the one line of a failed run, and what a
run draws on a terminal."""

import os
import pty
import subprocess


def error_line(done) -> str:
    """The one line a failed run wrote to stderr (asserted: one line, no traceback)."""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


def assert_error(done, *needles) -> None:
    """Nothing on stdout and one ``Error: ...`` line on stderr naming every needle."""
    assert done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("Error: "), done.stderr
    for needle in needles:
        assert needle in done.stderr, done.stderr


def run_on_terminal(argv, env) -> tuple[subprocess.CompletedProcess, bytes]:
    """Run ``argv`` with stdout piped and stderr on a pseudo-terminal; the finished
    run and everything it drew on the terminal."""
    master, slave = pty.openpty()
    try:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=slave, timeout=120,
                              env=env, check=False)
        os.close(slave)
        slave = None
        drawn = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    return done, drawn
