"""Re-run a whole transaction that lost a lock conflict.

Decorate a service-layer function that opens its own writer::

    @retry_on_deadlock
    def rename_widget(db, widget_id, name):
        with db.writer() as session:
            ...

When a :class:`~sovra_common.db.errors.Deadlock` (deadlock, lock wait timeout,
SQLite busy) leaves the function *and* the transaction it hit has been rolled back
completely, the function runs again from the start, after a short randomised backoff,
at most ``attempts`` times in all; then the Deadlock (a Conflict) propagates.

If the function ran inside a transaction that is still open (a caller's writer), the
Deadlock passes through without a retry: the owner of that transaction retries, if it
is decorated too. So decorating functions at every level is safe.

Decorate only functions whose every side effect is in the database transaction: an
RPC cast or a REST call made before the deadlock would be made twice.
"""

import functools
import logging
import random
import time

from sovra_common.db import errors

LOG = logging.getLogger(__name__)


def retry_on_deadlock(func=None, *, attempts: int = 5, initial_delay: float = 0.05,
                      max_delay: float = 1.0, sleep=time.sleep):
    """Decorator, bare (``@retry_on_deadlock``) or with arguments.

    Backoff before retry n (1-based): uniform in [d/2, d] with
    d = min(max_delay, initial_delay * 2 ** (n - 1)). ``sleep`` is for tests.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            for attempt in range(1, attempts + 1):
                try:
                    return fn(*args, **kwargs)
                except errors.Deadlock as exc:
                    if not exc.retryable or attempt == attempts:
                        raise
                    delay = min(max_delay, initial_delay * 2 ** (attempt - 1))
                    delay = random.uniform(delay / 2, delay)
                    LOG.info("%s: transaction lost a lock conflict (%s); retry %d/%d "
                             "in %.3f s", fn.__qualname__, exc.__cause__ or exc,
                             attempt, attempts - 1, delay)
                    sleep(delay)
            raise AssertionError("unreachable")  # pragma: no cover

        return wrapper

    return decorate if func is None else decorate(func)
