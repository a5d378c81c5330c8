"""The SQLAlchemy engine of one service's database, set up the same way every time.

SQLite (lite mode):
  * every connection: ``journal_mode=WAL`` (readers never block the writer),
    ``synchronous=NORMAL`` (commits do not fsync; a power cut may lose the last
    transactions but never corrupts the file), ``foreign_keys=ON`` and a busy timeout;
  * Python's sqlite3 module does not BEGIN before a SELECT or DDL, which breaks
    snapshot reads and transactional migrations; the engine takes over and emits
    BEGIN itself: ``BEGIN IMMEDIATE`` for a writer (it takes the write lock at once,
    so two writers queue on the busy timeout instead of failing half way) and a
    deferred ``BEGIN`` with ``query_only`` on for a reader;
  * in-memory (``sqlite://``): one connection shared by every thread (StaticPool),
    so all sessions see the same database. For tests.
  * a file database has one writer at a time; in one process (lite mode: every
    API and worker) the writers of that file queue on a lock of the process
    (:func:`sqlite_write_lock`, which Database takes around a writer), woken as soon
    as the writer before them ends, instead of polling in SQLite's busy handler
    (which sleeps up to 100 ms between tries). Other processes still meet the busy
    timeout.

MySQL / MariaDB (full mode), always through PyMySQL:
  * ``charset=utf8mb4`` unless the URL names one; a bare ``mysql://`` or
    ``mariadb://`` URL uses PyMySQL;
  * strict SQL mode (``TRADITIONAL``): bad data is an error, never silently truncated;
  * REPEATABLE READ isolation set explicitly (not left to the server's config), so a
    reader sees one consistent snapshot across its queries, as on SQLite;
  * a reader runs in ``START TRANSACTION READ ONLY``;
  * pool_pre_ping (a connection the server or a proxy dropped is replaced before
    use) and connection recycling.

Reader/writer behaviour is chosen per connection through execution options
(:data:`ACCESS`), which :class:`sovra_common.db.database.Database` sets.
"""

import contextlib
import logging
import math
import os
import sqlite3
import threading
import weakref

import sqlalchemy as sa
from sqlalchemy import event, pool
from sqlalchemy.engine import URL, Engine

# Execution option read when a transaction begins: "read", "write" or absent (plain).
ACCESS = "sovra_access"
# Execution option, SQLite only: False runs the transaction with foreign_keys=OFF
# (migrations that rebuild tables need it; the pragma is a no-op inside a transaction).
SQLITE_FOREIGN_KEYS = "sovra_sqlite_foreign_keys"

MYSQL_SQL_MODE = "TRADITIONAL,NO_ENGINE_SUBSTITUTION"
_CLEAN = "sovra_no_transaction"
MYSQL_ISOLATION = "REPEATABLE READ"


def create_engine(url: str | URL, *, max_pool_size: int = 5, max_overflow: int = 10,
                  pool_timeout: int = 30, connection_recycle_time: int = 3600,
                  sqlite_busy_timeout: float = 10.0, connection_debug: bool = False,
                  logging_name: str | None = None) -> Engine:
    """An engine for ``url`` (SQLite or MySQL/MariaDB), set up as the module says.

    ``logging_name`` (e.g. the service name) names the engine's logger,
    ``sqlalchemy.engine.Engine.<logging_name>``; ``connection_debug`` sets that
    logger to INFO, so it logs this engine's SQL and no other's.
    """
    url = sa.make_url(url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        engine = _sqlite_engine(url, max_pool_size, max_overflow, pool_timeout,
                                sqlite_busy_timeout, logging_name)
    elif backend in ("mysql", "mariadb"):
        engine = _mysql_engine(url, max_pool_size, max_overflow, pool_timeout,
                               connection_recycle_time, logging_name)
    else:
        raise ValueError(f"unsupported database backend {backend!r} in [database] "
                         "connection: use sqlite:/// or mysql+pymysql://")
    if connection_debug:
        logging.getLogger(engine.logger.name).setLevel(logging.INFO)
    return engine


def engine_from_conf(conf, *, logging_name: str | None = None) -> Engine:
    """:func:`create_engine` from a ConfigOpts with the [database] group registered."""
    db = conf.database
    if not db.connection:
        raise ValueError("[database] connection is not set")
    return create_engine(
        db.connection, max_pool_size=db.max_pool_size, max_overflow=db.max_overflow,
        pool_timeout=db.pool_timeout, connection_recycle_time=db.connection_recycle_time,
        sqlite_busy_timeout=db.sqlite_busy_timeout,
        connection_debug=db.connection_debug, logging_name=logging_name)


def is_memory_sqlite(url: str | URL) -> bool:
    url = sa.make_url(url)
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


# --- SQLite --------------------------------------------------------------------------

# file path -> the lock its writers in this process take turns on
_WRITE_LOCKS: dict[str, threading.Lock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()
# engine -> (its file's write lock, the busy timeout in seconds)
_ENGINE_WRITE_LOCKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def sqlite_write_lock(engine: Engine) -> tuple[threading.Lock, float] | None:
    """The lock the writers of ``engine``'s SQLite file take in this process, and
    how long a writer may wait for it (the busy timeout); None for other engines
    (MySQL, in-memory SQLite)."""
    return _ENGINE_WRITE_LOCKS.get(engine)


def _file_write_lock(path: str) -> threading.Lock:
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(os.path.realpath(path), threading.Lock())


def _sqlite_engine(url, max_pool_size, max_overflow, pool_timeout, busy_timeout,
                   logging_name):
    if is_memory_sqlite(url):
        # One connection, shared: a second connection would open another, empty database.
        engine = sa.create_engine(url, poolclass=pool.StaticPool,
                                  connect_args={"check_same_thread": False},
                                  logging_name=logging_name)
    else:
        engine = sa.create_engine(url, poolclass=pool.QueuePool, pool_size=max_pool_size,
                                  max_overflow=max_overflow, pool_timeout=pool_timeout,
                                  connect_args={"check_same_thread": False},
                                  logging_name=logging_name)
    busy_ms = int(math.ceil(busy_timeout * 1000))
    if not is_memory_sqlite(url):
        _ENGINE_WRITE_LOCKS[engine] = (_file_write_lock(url.database), busy_timeout)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, record):
        # We emit BEGIN ourselves (below); sqlite3's own transaction handling is off.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
            cursor.execute("PRAGMA journal_mode = WAL")  # stays "memory" in memory
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA query_only = OFF")
        finally:
            cursor.close()
        record.info["sqlite_pragmas"] = {"foreign_keys": True, "query_only": False}

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        options = conn.get_execution_options()
        access = options.get(ACCESS)
        wanted = {"foreign_keys": bool(options.get(SQLITE_FOREIGN_KEYS, True)),
                  "query_only": access == "read"}
        _begin(conn, wanted, "BEGIN IMMEDIATE" if access == "write" else "BEGIN")

    return engine


def _begin(conn, wanted: dict, begin: str) -> None:
    """Set per-transaction pragmas (skipping those already in effect), then BEGIN.

    Run on the DBAPI connection, not through SQLAlchemy's execution (statement
    cache, events, a result object per statement): that cost several times what
    SQLite takes to run them, twice or three times for every transaction of every
    service. A driver error is raised as SQLAlchemy's (``sqlalchemy.exc.DBAPIError``
    subclass), as an executed statement's would be, so that :mod:`errors` still
    translates e.g. a BEGIN IMMEDIATE that met a locked file into Deadlock."""
    state = conn.info.setdefault("sqlite_pragmas", {})
    cursor = conn.connection.dbapi_connection.cursor()
    statement = None
    try:
        for name, value in wanted.items():
            if state.get(name) is not value:
                statement = f"PRAGMA {name} = {'ON' if value else 'OFF'}"
                cursor.execute(statement)
                state[name] = value
        statement = begin
        cursor.execute(statement)
    except sqlite3.Error as exc:
        raise sa.exc.DBAPIError.instance(statement, None, exc, sqlite3.Error) from exc
    finally:
        cursor.close()


# --- MySQL / MariaDB -------------------------------------------------------------------

def _mysql_engine(url, max_pool_size, max_overflow, pool_timeout, recycle, logging_name):
    if "+" not in url.drivername:
        url = url.set(drivername=f"{url.drivername}+pymysql")
    if url.get_driver_name() != "pymysql":
        raise ValueError(f"unsupported MySQL driver {url.get_driver_name()!r}: "
                         "use mysql+pymysql://")
    if "charset" not in url.query:
        url = url.update_query_dict({"charset": "utf8mb4"})
    engine = sa.create_engine(
        url, pool_size=max_pool_size, max_overflow=max_overflow, pool_timeout=pool_timeout,
        pool_recycle=recycle, pool_pre_ping=True, isolation_level=MYSQL_ISOLATION,
        connect_args={"init_command": f"SET SESSION sql_mode = '{MYSQL_SQL_MODE}'"},
        pool_reset_on_return=None,  # _on_reset below does it, only when needed
        logging_name=logging_name)

    # The pool's own reset sends a ROLLBACK whenever a connection comes back, even
    # right after the session committed or rolled back: one wasted round trip per
    # transaction. Track whether SQLAlchemy left the connection clean instead.
    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn, record, proxy):
        record.info[_CLEAN] = False  # raw DBAPI use is invisible to the events below

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(conn):
        conn.info[_CLEAN] = True  # if the call then fails, handle_error undoes this

    @event.listens_for(engine, "handle_error")
    def _on_error(context):
        if context.connection is not None:
            with contextlib.suppress(sa.exc.SQLAlchemyError):  # closed/invalidated
                context.connection.info[_CLEAN] = False

    @event.listens_for(engine, "reset")
    def _on_reset(dbapi_conn, record, reset_state):
        if not reset_state.terminate_only and not record.info.get(_CLEAN):
            dbapi_conn.rollback()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # PyMySQL begins implicitly at the first statement; a reader begins explicitly.
        conn.info[_CLEAN] = False
        if conn.get_execution_options().get(ACCESS) == "read":
            conn.exec_driver_sql("START TRANSACTION READ ONLY")

    return engine
