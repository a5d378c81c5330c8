"""A service's database: its engine, and reader/writer transactions on it.

A service builds one :class:`Database` from its ConfigOpts at start-up and hands it
to whatever needs it; there is no module-global engine. Code runs every query inside
one of two context managers, each yielding a SQLAlchemy ORM ``Session``::

    with db.writer() as session:     # commits at the end, rolls back on any error
        session.add(Widget(...))

    with db.reader() as session:     # read-only; always rolled back
        return session.scalars(select(Widget)).all()

Rules:
  * Nesting joins: a writer or reader opened while a writer of the same Database is
    open in the same thread/task yields that writer's session; nothing is committed
    until the outermost writer ends. A reader inside a reader joins it too. A writer
    inside a reader is a bug and raises :class:`TransactionUsageError` (upgrading a
    snapshot to a write transaction cannot be done safely).
  * An inner block is not a savepoint: if you catch its exception, the outer
    transaction carries on with whatever the inner block did (and after a failed
    flush SQLAlchemy refuses further use until the outermost block rolls back).
  * A reader cannot write: flushing ORM changes raises TransactionUsageError, and the
    database itself refuses other writes (SQLite ``query_only``, MySQL ``READ ONLY``).
  * Do not call ``commit()``, ``rollback()`` or ``close()`` on the session: the
    outermost block does. Loaded attributes stay usable after it ends (no expiry on
    commit), but lazy loads then fail: load the relationships you need inside.
  * Driver errors with a meaning are raised as :mod:`sovra_common.db.errors`
    (DuplicateEntry and ReferenceConflict are Conflicts; Deadlock is a retryable
    Conflict, see :mod:`sovra_common.db.retry`).

Transactions are tracked per thread and per asyncio task (contextvars), so one
Database serves a threaded WSGI server; a session itself is never shared. With
in-memory SQLite (tests), where every thread shares one connection, outermost
transactions of different threads run one at a time. With a SQLite file, outermost
writers of this process take turns on the file's lock (see engine.py): a writer
that cannot have it within the busy timeout fails as SQLite would (Deadlock,
retryable).
"""

import contextlib
import contextvars
import dataclasses
import logging
import threading
from collections.abc import Iterator

from sqlalchemy import event, pool
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from sovra_common.db import engine as db_engine
from sovra_common.db import errors

LOG = logging.getLogger(__name__)

_READ, _WRITE = "read", "write"


@dataclasses.dataclass
class _Transaction:
    session: Session
    access: str


class _Session(Session):
    """A Session whose ORM flush fails when it belongs to a reader."""


@event.listens_for(_Session, "before_flush")
def _refuse_reader_flush(session, flush_context, instances):
    if session.info.get("access") == _READ:
        raise errors.TransactionUsageError(
            "a reader() tried to write (flush of ORM changes): use writer()")


class Database:
    """One service's database. Create one per process (per service) and pass it down."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._engines = {access: engine.execution_options(**{db_engine.ACCESS: access})
                         for access in (_READ, _WRITE)}
        # The open transaction of this Database in the current thread/task, if any.
        self._current: contextvars.ContextVar[_Transaction | None] = \
            contextvars.ContextVar(f"sovra_db_transaction_{id(self):x}", default=None)
        # In-memory SQLite is one connection shared by all threads: transactions from
        # two threads would interleave on it, so they take turns.
        self._shared_connection_lock = (
            threading.Lock() if isinstance(engine.pool, pool.StaticPool) else None)
        # A SQLite file's writers in this process queue here, not in SQLite.
        self._write_lock = db_engine.sqlite_write_lock(engine)

    @classmethod
    def from_conf(cls, conf, *, name: str | None = None) -> "Database":
        """From the [database] options; ``name`` (the service) names the SQL logger."""
        return cls(db_engine.engine_from_conf(conf, logging_name=name))

    @classmethod
    def from_url(cls, url: str, **engine_options) -> "Database":
        """From a URL; ``engine_options`` as for :func:`engine.create_engine`."""
        return cls(db_engine.create_engine(url, **engine_options))

    def __repr__(self):
        return f"<Database {self.engine.url!r}>"  # the URL's repr hides the password

    @contextlib.contextmanager
    def writer(self) -> Iterator[Session]:
        """A read-write transaction, committed when the outermost writer ends."""
        current = self._current.get()
        if current is not None:
            if current.access == _READ:
                raise errors.TransactionUsageError(
                    "writer() inside reader(): open the writer first, outermost")
            with _translated():
                yield current.session
            return
        with self._transaction(_WRITE) as session:
            yield session
            session.commit()

    @contextlib.contextmanager
    def reader(self) -> Iterator[Session]:
        """A read-only transaction (joins the open writer or reader, if any)."""
        current = self._current.get()
        if current is not None:
            with _translated():
                yield current.session
            return
        with self._transaction(_READ) as session:
            yield session
            # Closing ends the transaction with a rollback but, unlike rollback(),
            # leaves loaded objects usable after the block.

    def in_transaction(self) -> bool:
        """Whether a reader or writer of this Database is open in this thread/task."""
        return self._current.get() is not None

    def dispose(self) -> None:
        """Close every pooled connection, at shutdown. (In a forked child, use
        ``engine.dispose(close=False)``: the parent still owns those sockets.)"""
        self.engine.dispose()

    @contextlib.contextmanager
    def _transaction(self, access):
        if access == _WRITE and self._write_lock is not None:
            lock, timeout = self._write_lock
            if not lock.acquire(timeout=timeout):
                exc = errors.Deadlock("The database stayed locked by another writer "
                                      f"for {timeout} s.")
                exc.retryable = True  # nothing of this transaction ran
                raise exc
            try:
                with self._session(access) as session:
                    yield session
            finally:
                lock.release()
        elif self._shared_connection_lock is None:
            with self._session(access) as session:
                yield session
        else:
            with self._shared_connection_lock, self._session(access) as session:
                yield session

    @contextlib.contextmanager
    def _session(self, access):
        session = _Session(bind=self._engines[access], expire_on_commit=False,
                           info={"access": access})
        token = self._current.set(_Transaction(session, access))
        try:
            with _translated(outermost=True):
                try:
                    yield session
                except BaseException:
                    _rollback_quietly(session)
                    raise
        finally:
            self._current.reset(token)
            session.close()


def _rollback_quietly(session):
    """Roll back after an error; a failed rollback must not hide that error."""
    try:
        session.rollback()
    except Exception:
        LOG.warning("rollback after an error failed too", exc_info=True)


@contextlib.contextmanager
def _translated(outermost=False):
    """Raise driver errors as domain errors; mark Deadlock retryable once the whole
    transaction is gone (outermost)."""
    try:
        yield
    except errors.Deadlock as exc:
        if outermost:
            exc.retryable = True
        raise
    except Exception as exc:
        domain = errors.translate(exc)
        if domain is None:
            raise
        if outermost and isinstance(domain, errors.Deadlock):
            domain.retryable = True
        raise domain from exc
