"""``--wait`` for block storage resources: poll a volume or snapshot until it is
ready, gone or failed, drawing the live progress line the other commands draw on a
terminal (``v1: creating 3s``); a failure is one line with the resource's
``error_reason``."""

from sovra_common.cli import progress

#: the poller's pauses (seconds): short first (a file backend answers in well under
#: a second), then every last one
INTERVALS = (0.2, 0.2, 0.3, 0.5, 0.5, 1.0, 1.0, 2.0)
TIMEOUT = 600.0


def add_wait_options(parser, what: str) -> None:
    parser.add_argument("--wait", action="store_true",
                        help=f"wait until {what}, showing progress on a terminal")
    parser.add_argument("--wait-timeout", metavar="<seconds>", type=float,
                        default=TIMEOUT,
                        help=f"give up waiting after this long (default {TIMEOUT:.0f})")


def _sleep():
    import time

    pauses = iter(INTERVALS)
    return lambda _interval: time.sleep(next(pauses, INTERVALS[-1]))


class _ErrorStatuses:
    """Where waiting fails: any ``error*`` status (error, error_deleting,
    error_extending...), as the Block Storage API names failures."""

    def __contains__(self, status) -> bool:
        return isinstance(status, str) and status.startswith("error")


def _reason(obj) -> str | None:
    return obj.get("error_reason")


def until_status(cmd, get, obj: dict, ready: set[str], timeout: float,
                 check=None) -> dict:
    """Poll ``get(obj["id"])`` until its status is in ``ready`` and ``check(obj)``
    holds (when given: e.g. the new size); WaitFailed on an ``error*`` status or on
    timeout."""
    def fetch():
        current = get(obj["id"])
        if check is not None and current.get("status") in ready and not check(current):
            current = dict(current, status=f"{current['status']} (not yet)")
        return current

    return _wait(cmd, fetch, obj, ready, timeout)


def until_gone(cmd, get, obj: dict, timeout: float) -> None:
    """Poll until ``get`` raises NotFound; WaitFailed on ``error_deleting`` (or any
    error status the resource reaches)."""
    from keystoneauth1 import exceptions as ks_exc

    def fetch():
        try:
            return get(obj["id"])
        except ks_exc.NotFound:
            return {"status": "deleted"}

    _wait(cmd, fetch, obj, {"deleted"}, timeout)


def _wait(cmd, fetch, obj, ready, timeout):
    return progress.wait_for(
        fetch, ready=set(ready), failed=_ErrorStatuses(), stream=cmd.app.stderr,
        label=obj.get("name") or obj["id"], timeout=timeout, interval=INTERVALS[-1],
        fault=_reason, sleep=_sleep())
