"""sovra_common.db.engine: pragmas, BEGIN handling and URL handling actually in effect."""

import logging
import sqlite3
import threading

import pytest
import sqlalchemy as sa
from oslo_config import cfg

from sovra_common import conf as sovra_conf
from sovra_common.db import engine as db_engine


def _pragma(conn, name):
    return conn.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_sqlite_file_pragmas_in_effect(file_url):
    engine = db_engine.create_engine(file_url, sqlite_busy_timeout=2.5)
    try:
        with engine.connect() as conn:
            assert _pragma(conn, "journal_mode") == "wal"
            assert _pragma(conn, "synchronous") == 1  # NORMAL
            assert _pragma(conn, "foreign_keys") == 1
            assert _pragma(conn, "busy_timeout") == 2500
            assert _pragma(conn, "query_only") == 0
    finally:
        engine.dispose()


def test_sqlite_file_pragmas_on_every_pooled_connection(file_url):
    engine = db_engine.create_engine(file_url, max_pool_size=2)
    try:
        conns = [engine.connect() for _ in range(3)]  # 2 pooled + 1 overflow
        assert [_pragma(c, "foreign_keys") for c in conns] == [1, 1, 1]
        assert [_pragma(c, "synchronous") for c in conns] == [1, 1, 1]
        for conn in conns:
            conn.close()
    finally:
        engine.dispose()


def test_wal_is_persistent_in_the_file(file_url, tmp_path):
    engine = db_engine.create_engine(file_url)
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    engine.dispose()
    raw = sqlite3.connect(tmp_path / "test.sqlite")
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        raw.close()


def test_select_runs_inside_a_transaction(file_url):
    """sqlite3 alone would not BEGIN before a SELECT; the engine does."""
    engine = db_engine.create_engine(file_url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
            assert conn.connection.dbapi_connection.in_transaction
    finally:
        engine.dispose()


def test_writer_access_takes_the_write_lock_at_begin(file_url, tmp_path):
    engine = db_engine.create_engine(file_url)
    other = sqlite3.connect(tmp_path / "test.sqlite", timeout=0, isolation_level=None)
    try:
        with engine.connect().execution_options(**{db_engine.ACCESS: "write"}) as conn:
            conn.exec_driver_sql("SELECT 1")  # only a read, but BEGIN IMMEDIATE
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released when the transaction ended
        other.execute("ROLLBACK")
    finally:
        other.close()
        engine.dispose()


def test_a_begin_the_lock_refuses_is_a_sqlalchemy_error(file_url, tmp_path):
    """BEGIN runs on the DBAPI connection; its error is still SQLAlchemy's (what
    the Database translates into Deadlock), with the driver's as ``orig``."""
    engine = db_engine.create_engine(file_url, sqlite_busy_timeout=0.05)
    with engine.connect() as conn:  # create the file
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        conn.commit()
    holder = sqlite3.connect(tmp_path / "test.sqlite", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        conn = engine.connect().execution_options(**{db_engine.ACCESS: "write"})
        with pytest.raises(sa.exc.OperationalError, match="BEGIN IMMEDIATE") as caught:
            conn.exec_driver_sql("SELECT 1")
        assert isinstance(caught.value.orig, sqlite3.OperationalError)
        conn.close()
        holder.execute("ROLLBACK")
        with engine.connect().execution_options(**{db_engine.ACCESS: "write"}) as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
    finally:
        holder.close()
        engine.dispose()


def test_read_access_sets_query_only_for_that_transaction_only(file_url):
    engine = db_engine.create_engine(file_url, max_pool_size=1, max_overflow=0)
    try:
        with engine.connect().execution_options(**{db_engine.ACCESS: "read"}) as conn:
            assert _pragma(conn, "query_only") == 1
            with pytest.raises(sa.exc.OperationalError, match="readonly"):
                conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        with engine.connect() as conn:  # the same pooled connection, plain access
            assert _pragma(conn, "query_only") == 0
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    finally:
        engine.dispose()


def test_foreign_keys_option_applies_per_transaction(file_url):
    engine = db_engine.create_engine(file_url, max_pool_size=1, max_overflow=0)
    try:
        with engine.connect().execution_options(
                **{db_engine.SQLITE_FOREIGN_KEYS: False}) as conn:
            assert _pragma(conn, "foreign_keys") == 0
        with engine.connect() as conn:
            assert _pragma(conn, "foreign_keys") == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_memory_sqlite_is_one_database_shared_by_threads(url):
    engine = db_engine.create_engine(url)
    try:
        assert isinstance(engine.pool, sa.pool.StaticPool)
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            assert _pragma(conn, "foreign_keys") == 1
        seen = []

        def insert():
            with engine.begin() as conn:
                conn.exec_driver_sql("INSERT INTO t VALUES (1)")
                seen.append(conn.exec_driver_sql("SELECT count(*) FROM t").scalar())

        thread = threading.Thread(target=insert)
        thread.start()
        thread.join()
        assert seen == [1]
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize("url", [
    "mysql://sovra:pw@127.0.0.1/identity",
    "mysql+pymysql://sovra:pw@127.0.0.1/identity",
    "mariadb://sovra:pw@127.0.0.1/identity",
])
def test_mysql_urls_use_pymysql_and_utf8mb4(url):
    engine = db_engine.create_engine(url, connection_recycle_time=600)
    try:
        assert engine.url.get_driver_name() == "pymysql"
        assert engine.url.query["charset"] == "utf8mb4"
        assert engine.pool._pre_ping
        assert engine.pool._recycle == 600
        assert _mysql_connect_params(engine)["init_command"] == (
            "SET SESSION sql_mode = 'TRADITIONAL,NO_ENGINE_SUBSTITUTION'")
    finally:
        engine.dispose()


class _NoConnect(Exception):
    pass


def _mysql_connect_params(engine):
    """The keyword arguments PyMySQL would get, without opening a socket."""
    seen = {}

    @sa.event.listens_for(engine, "do_connect")
    def capture(dialect, record, cargs, cparams):
        seen.update(cparams)
        raise _NoConnect

    with pytest.raises(_NoConnect):
        engine.connect()
    return seen


def test_mysql_explicit_charset_is_kept():
    engine = db_engine.create_engine("mysql+pymysql://u:p@127.0.0.1/db?charset=utf8mb3")
    assert engine.url.query["charset"] == "utf8mb3"


@pytest.mark.parametrize("url, match", [
    ("postgresql://u:p@127.0.0.1/db", "unsupported database backend"),
    ("mysql+mysqldb://u:p@127.0.0.1/db", "unsupported MySQL driver"),
])
def test_unsupported_urls(url, match):
    with pytest.raises(ValueError, match=match):
        db_engine.create_engine(url)


def test_connection_debug_enables_this_engines_sql_log_only(caplog):
    engine = db_engine.create_engine("sqlite://", connection_debug=True,
                                     logging_name="debugged")
    quiet = db_engine.create_engine("sqlite://", logging_name="quiet")
    name = "sqlalchemy.engine.Engine.debugged"
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 42")
        with quiet.connect() as conn:
            conn.exec_driver_sql("SELECT 43")
        assert any("SELECT 42" in r.getMessage() for r in caplog.records if r.name == name)
        assert not any("SELECT 43" in r.getMessage() for r in caplog.records)
    finally:
        logging.getLogger(name).setLevel(logging.NOTSET)
        engine.dispose()
        quiet.dispose()


def test_engine_from_conf(tmp_path):
    conf = sovra_conf.new_conf()
    sovra_conf.load(conf, "sovra-test", config_files=[])
    with pytest.raises(ValueError, match="connection is not set"):
        db_engine.engine_from_conf(conf)
    conf.set_override("connection", f"sqlite:///{tmp_path / 'c.sqlite'}", "database")
    conf.set_override("sqlite_busy_timeout", 1.5, "database")
    engine = db_engine.engine_from_conf(conf, logging_name="svc")
    try:
        with engine.connect() as conn:
            assert _pragma(conn, "busy_timeout") == 1500
        assert engine.logger.name == "sqlalchemy.engine.Engine.svc"
    finally:
        engine.dispose()


def test_database_options_are_registered_and_listed():
    conf = cfg.ConfigOpts()
    from sovra_common.conf import database
    database.register_opts(conf)
    names = {opt.name for _group, opts in database.list_opts() for opt in opts}
    assert {"connection", "max_pool_size", "pool_timeout", "connection_recycle_time",
            "connection_debug", "sqlite_busy_timeout"} <= names
    assert conf.database.connection is None
