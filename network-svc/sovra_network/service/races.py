"""Re-running a create that lost a race on a unique key.

IPAM, MAC generation and VNI allocation pick a free value and insert it; a unique
key (ip_allocations' primary key, (network_id, mac_address), the VNI) refuses the
loser of a race between two transactions. The loser's whole transaction is then
rolled back and re-run from the start, where it sees the winner's row and picks
another value. Deadlocks (and SQLite's busy database) are retried the same way.
"""

from __future__ import annotations

import functools
import logging
import random
import time

from sovra_common.db import errors

LOG = logging.getLogger(__name__)


def retry_on_race(func=None, *, attempts: int = 20):
    """Decorator for a service function that opens its own writer: re-run it on
    DuplicateEntry or Deadlock, when the transaction was its own (outermost)."""

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(db, *args, **kwargs):
            for attempt in range(1, attempts + 1):
                try:
                    return fn(db, *args, **kwargs)
                except (errors.DuplicateEntry, errors.Deadlock) as exc:
                    if db.in_transaction() or attempt == attempts:
                        raise
                    delay = random.uniform(0, min(0.2, 0.005 * 2 ** attempt))
                    LOG.debug("%s lost a race (%s); retry %d", fn.__qualname__,
                              type(exc).__name__, attempt)
                    time.sleep(delay)
            raise AssertionError("unreachable")  # pragma: no cover

        return wrapper

    return decorate if func is None else decorate(func)
