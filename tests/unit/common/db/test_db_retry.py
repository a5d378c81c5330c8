"""sovra_common.db.retry: whole-transaction retry on simulated and real lock conflicts."""

import sqlite3

import pytest
import sqlalchemy as sa

from example_svc.db.models import Widget
from sovra_common.db import Database, Deadlock, errors, retry_on_deadlock


class FakeMySQLError(Exception):
    """Shaped like a PyMySQL error: (errno, message)."""


def _mysql_error(code, text="simulated"):
    return sa.exc.OperationalError("UPDATE widgets ...", {}, FakeMySQLError(code, text))


class Recorder:
    def __init__(self):
        self.delays = []

    def __call__(self, delay):
        self.delays.append(delay)


def test_simulated_deadlock_reruns_the_whole_transaction(example_db):
    sleep = Recorder()
    calls = []

    @retry_on_deadlock(sleep=sleep)
    def create(db, name):
        with db.writer() as session:
            session.add(Widget(id=f"id-{name}-{len(calls)}", project_id="p", name=name))
            session.flush()
            calls.append(name)
            if len(calls) < 3:
                raise _mysql_error(1213, "Deadlock found when trying to get lock")
        return len(calls)

    assert create(example_db, "w") == 3
    assert len(sleep.delays) == 2
    with example_db.reader() as session:  # the failed attempts left nothing behind
        assert session.scalars(sa.select(Widget.id)).all() == ["id-w-2"]


def test_lock_wait_timeout_is_retried_too(memory_db):
    attempts = []

    @retry_on_deadlock(sleep=Recorder())
    def work():
        with memory_db.writer():
            attempts.append(1)
            if len(attempts) == 1:
                raise _mysql_error(1205, "Lock wait timeout exceeded")

    work()
    assert len(attempts) == 2


def test_gives_up_after_attempts_and_raises_the_conflict(memory_db):
    sleep = Recorder()
    attempts = []

    @retry_on_deadlock(attempts=3, initial_delay=0.1, max_delay=0.15, sleep=sleep)
    def work():
        with memory_db.writer():
            attempts.append(1)
            raise _mysql_error(1213)

    with pytest.raises(Deadlock) as caught:
        work()
    assert len(attempts) == 3
    assert isinstance(caught.value.__cause__, sa.exc.OperationalError)
    # backoff: uniform in [d/2, d], d doubling from initial_delay, capped at max_delay
    assert 0.05 <= sleep.delays[0] <= 0.1
    assert 0.075 <= sleep.delays[1] <= 0.15


def test_no_retry_inside_an_open_transaction_the_owner_retries(memory_db):
    inner_calls, outer_calls = [], []

    @retry_on_deadlock(sleep=Recorder())
    def inner():
        inner_calls.append(1)
        with memory_db.writer():
            if len(inner_calls) == 1:
                raise _mysql_error(1213)

    @retry_on_deadlock(sleep=Recorder())
    def outer():
        outer_calls.append(1)
        with memory_db.writer():
            inner()

    outer()
    # the deadlock killed the outer transaction: inner must not re-run alone in it
    assert len(outer_calls) == 2
    assert len(inner_calls) == 2


def test_other_errors_are_not_retried(memory_db):
    attempts = []

    @retry_on_deadlock
    def work():
        attempts.append(1)
        with memory_db.writer():
            raise _mysql_error(1062, "Duplicate entry 'x' for key 'uq_widgets_name'")

    with pytest.raises(errors.DuplicateEntry) as caught:
        work()
    assert caught.value.constraint == "uq_widgets_name"
    assert attempts == [1]


def test_a_deadlock_raised_outside_any_transaction_is_not_retried():
    attempts = []

    @retry_on_deadlock
    def work():
        attempts.append(1)
        raise Deadlock()  # not marked retryable: nobody rolled anything back

    with pytest.raises(Deadlock):
        work()
    assert attempts == [1]


def test_real_sqlite_lock_is_retried_once_released(file_url, tmp_path):
    db = Database.from_url(file_url, sqlite_busy_timeout=0.01)
    with db.writer() as session:
        session.execute(sa.text("CREATE TABLE t (x INTEGER)"))
    holder = sqlite3.connect(tmp_path / "test.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")

    def sleep(delay):  # the other writer finishes while we back off
        if holder.in_transaction:
            holder.execute("COMMIT")

    @retry_on_deadlock(sleep=sleep)
    def insert():
        with db.writer() as session:
            session.execute(sa.text("INSERT INTO t VALUES (1)"))

    try:
        insert()
        with db.reader() as session:
            assert session.execute(sa.text("SELECT count(*) FROM t")).scalar() == 1
    finally:
        holder.close()
        db.dispose()


def test_decorator_keeps_the_function_name_and_checks_arguments():
    @retry_on_deadlock(attempts=2)
    def named():
        """Doc."""

    assert named.__name__ == "named" and named.__doc__ == "Doc."
    with pytest.raises(ValueError):
        retry_on_deadlock(attempts=0)


@pytest.mark.parametrize("code, kind", [
    (1213, Deadlock), (1205, Deadlock), (1062, errors.DuplicateEntry),
    (1451, errors.ReferenceConflict), (1452, errors.ReferenceConflict),
    (2013, errors.exception.ServiceUnavailable), (1054, type(None)),
])
def test_mysql_error_translation(code, kind):
    assert isinstance(errors.translate(_mysql_error(code)), kind)


def test_translate_ignores_non_driver_errors():
    assert errors.translate(ValueError("x")) is None
