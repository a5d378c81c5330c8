"""sovra_common.db.database: reader/writer semantics, nesting, error translation."""

import sqlite3
import threading

import pytest
import sqlalchemy as sa

from example_svc.db.models import Widget, WidgetTag
from sovra_common import exception
from sovra_common.db import (
    Database,
    Deadlock,
    DuplicateEntry,
    ReferenceConflict,
    TransactionUsageError,
)


class Boom(Exception):
    pass


def _count(db, model=Widget):
    with db.reader() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model))


def _widget(name="w", project_id="p1", id=None):
    return Widget(id=id or f"id-{project_id}-{name}", project_id=project_id, name=name)


def test_writer_commits(example_db):
    with example_db.writer() as session:
        session.add(_widget())
    assert _count(example_db) == 1


def test_writer_rolls_back_on_error(example_db):
    with pytest.raises(Boom):
        with example_db.writer() as session:
            session.add(_widget())
            session.flush()
            raise Boom
    assert _count(example_db) == 0


def test_objects_stay_usable_after_the_writer(example_db):
    with example_db.writer() as session:
        widget = _widget("kept")
        session.add(widget)
    assert widget.name == "kept"  # no expiry on commit, no DetachedInstanceError
    assert widget.created_at.tzinfo is not None


def test_nested_writer_joins_the_outer_transaction(example_db):
    with pytest.raises(Boom):
        with example_db.writer() as outer:
            with example_db.writer() as inner:
                assert inner is outer
                inner.add(_widget("inner"))
            assert _count(example_db) == 1  # a nested reader sees the uncommitted row
            raise Boom
    assert _count(example_db) == 0  # the inner writer committed nothing by itself


def test_nested_reader_joins_the_outer_writer(example_db):
    with example_db.writer() as outer:
        with example_db.reader() as inner:
            assert inner is outer


def test_nested_reader_joins_the_outer_reader(example_db):
    with example_db.reader() as outer:
        with example_db.reader() as inner:
            assert inner is outer
        assert example_db.in_transaction()
    assert not example_db.in_transaction()


def test_writer_inside_reader_is_refused(example_db):
    with example_db.reader():
        with pytest.raises(TransactionUsageError, match="writer\\(\\) inside reader"):
            with example_db.writer():
                pass


def test_reader_cannot_flush_orm_changes(example_db):
    with pytest.raises(TransactionUsageError, match="reader"):
        with example_db.reader() as session:
            session.add(_widget())
            session.flush()
    assert _count(example_db) == 0


def test_reader_cannot_write_with_core_statements(example_db):
    with pytest.raises(sa.exc.OperationalError, match="readonly"):
        with example_db.reader() as session:
            session.execute(sa.insert(Widget).values(
                id="x", project_id="p", name="n", created_at=sa.func.now()))
    assert _count(example_db) == 0


def test_reader_never_commits(example_db):
    with example_db.writer() as session:
        session.add(_widget())
    with example_db.reader() as session:
        widget = session.scalars(sa.select(Widget)).one()
        widget.name = "changed"  # never flushed: reader ends with a rollback
    assert widget.name == "changed"
    with example_db.reader() as session:
        assert session.scalars(sa.select(Widget.name)).one() == "w"


def test_reader_sees_one_snapshot(example_db, tmp_path):
    with example_db.writer() as session:
        session.add(_widget("a"))
    with example_db.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Widget)) == 1
        with example_db.engine.connect() as other:  # a concurrent writer commits
            other.execute(sa.insert(Widget).values(
                id="b", project_id="p1", name="b", created_at=sa.func.now()))
            other.commit()
        assert session.scalar(sa.select(sa.func.count()).select_from(Widget)) == 1
    assert _count(example_db) == 2


def test_threads_get_their_own_transactions(example_db):
    started, release = threading.Event(), threading.Event()
    seen = {}

    def other_thread():
        seen["in_transaction_at_start"] = example_db.in_transaction()
        with example_db.reader() as session:
            seen["session"] = session
            started.set()
            release.wait(5)

    with example_db.writer() as session:
        thread = threading.Thread(target=other_thread)
        thread.start()
        assert started.wait(5)
        release.set()
        thread.join()
    assert seen["in_transaction_at_start"] is False
    assert seen["session"] is not session


def test_duplicate_becomes_duplicate_entry(example_db):
    with example_db.writer() as session:
        session.add(_widget("dup", id="a"))
    with pytest.raises(DuplicateEntry) as caught:
        with example_db.writer() as session:
            session.add(_widget("dup", id="b"))
    assert isinstance(caught.value, exception.Conflict)
    assert caught.value.columns == ["project_id", "name"]
    assert isinstance(caught.value.__cause__, sa.exc.IntegrityError)
    assert _count(example_db) == 1


def test_duplicate_in_a_nested_writer_is_translated_there(example_db):
    with example_db.writer() as session:
        session.add(_widget("dup", id="a"))
    with pytest.raises(DuplicateEntry):
        with example_db.writer():
            try:
                with example_db.writer() as inner:
                    inner.add(_widget("dup", id="b"))
                    inner.flush()
            except DuplicateEntry as exc:
                assert isinstance(exc.__cause__, sa.exc.IntegrityError)
                raise


def test_foreign_key_violation_becomes_reference_conflict(example_db):
    with pytest.raises(ReferenceConflict):
        with example_db.writer() as session:
            session.add(WidgetTag(widget_id="missing", tag="t"))
    assert _count(example_db, WidgetTag) == 0


def test_foreign_key_cascade_is_enforced(example_db):
    with example_db.writer() as session:
        widget = _widget()
        widget.tags = [WidgetTag(tag="a"), WidgetTag(tag="b")]
        session.add(widget)
    with example_db.writer() as session:
        session.execute(sa.delete(Widget))
    assert _count(example_db, WidgetTag) == 0


def test_lock_timeout_becomes_retryable_deadlock(file_url, tmp_path):
    db = Database.from_url(file_url, sqlite_busy_timeout=0.05)
    with db.writer() as session:  # create the file
        session.execute(sa.text("CREATE TABLE t (x INTEGER)"))
    holder = sqlite3.connect(tmp_path / "test.sqlite", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(Deadlock) as caught:
            with db.writer() as session:
                session.execute(sa.text("SELECT 1"))
        assert caught.value.retryable
        with pytest.raises(Deadlock) as caught:  # nested: not retryable until outermost
            with db.writer():
                try:
                    with db.writer() as session:
                        session.execute(sa.text("SELECT 1"))
                except Deadlock as exc:
                    assert not exc.retryable
                    raise
        assert caught.value.retryable
    finally:
        holder.close()
        db.dispose()


def test_readers_are_not_blocked_by_a_writer(example_db, tmp_path):
    holder = sqlite3.connect(tmp_path / "test.sqlite", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("INSERT INTO widgets (id, project_id, name, created_at) "
                       "VALUES ('x', 'p', 'n', '2026-01-01 00:00:00')")
        assert _count(example_db) == 0  # WAL: the reader reads the last commit
    finally:
        holder.close()


def test_unknown_errors_pass_through(example_db):
    with pytest.raises(sa.exc.OperationalError, match="no such table"):
        with example_db.reader() as session:
            session.execute(sa.text("SELECT * FROM nowhere"))


def test_from_conf_and_repr_hide_the_password():
    from sovra_common import conf as sovra_conf
    conf = sovra_conf.new_conf()
    sovra_conf.load(conf, "sovra-test", config_files=[])
    conf.set_override("connection", "sqlite://", "database")
    db = Database.from_conf(conf, name="svc")
    try:
        with db.writer() as session:
            assert session.execute(sa.text("SELECT 1")).scalar() == 1
    finally:
        db.dispose()
    mysql = Database.from_url("mysql+pymysql://sovra:secret@127.0.0.1/x")
    assert "secret" not in repr(mysql)


def test_memory_database_transactions_of_two_threads_take_turns(memory_db):
    from example_svc.db import DATABASE
    from sovra_common.db import migration
    migration.upgrade(memory_db, DATABASE.migrations)
    inside, seen = threading.Event(), []

    def other_thread():
        inside.wait(5)
        with memory_db.reader() as session:  # waits for the writer to finish
            seen.append(session.scalar(sa.select(sa.func.count()).select_from(Widget)))

    thread = threading.Thread(target=other_thread)
    thread.start()
    with memory_db.writer() as session:
        session.add(_widget())
        session.flush()
        inside.set()
        thread.join(0.2)  # without turns the reader would see the uncommitted row now
        assert seen == []
    thread.join(5)
    assert seen == [1]


def test_writers_of_one_file_in_this_process_queue_on_a_lock(example_db, file_url):
    """Two Databases of one file (as lite mode's components): the second writer
    waits for the first, longer than SQLite's busy timeout would have let it
    (0.2 s here), and goes on as soon as the first commits."""
    other = Database.from_url(file_url, sqlite_busy_timeout=2.0)
    inside, done = threading.Event(), []

    def second_writer():
        inside.wait(5)
        with other.writer() as session:
            session.add(_widget("second"))
        done.append(True)

    thread = threading.Thread(target=second_writer)
    thread.start()
    try:
        with example_db.writer() as session:
            session.add(_widget("first"))
            session.flush()
            inside.set()
            thread.join(0.5)  # past the first engine's busy timeout of 0.2 s
            assert thread.is_alive() and not done  # it waits on the lock
        thread.join(5)
        assert done and _count(example_db) == 2
    finally:
        other.dispose()


def test_a_writer_waiting_past_the_busy_timeout_is_a_retryable_deadlock(
        example_db, file_url):
    other = Database.from_url(file_url, sqlite_busy_timeout=0.05)
    failed = []

    def second_writer():
        try:
            with other.writer() as session:
                session.add(_widget("second"))
        except Deadlock as exc:
            failed.append(exc.retryable)

    try:
        with example_db.writer() as session:
            session.add(_widget("first"))
            thread = threading.Thread(target=second_writer)
            thread.start()
            thread.join(5)
        assert failed == [True]
        assert _count(example_db) == 1
    finally:
        other.dispose()


def test_one_write_lock_per_file_in_this_process(tmp_path):
    from sovra_common.db import engine as db_engine
    (tmp_path / "sub").mkdir()
    dbs = [Database.from_url(f"sqlite:///{tmp_path / 'a.sqlite'}"),
           Database.from_url(f"sqlite:///{tmp_path / 'sub' / '..' / 'a.sqlite'}"),
           Database.from_url(f"sqlite:///{tmp_path / 'b.sqlite'}"),
           Database.from_url("sqlite://")]
    try:
        locks = [db_engine.sqlite_write_lock(db.engine) for db in dbs]
        assert locks[0][0] is locks[1][0]  # the same file, however it is spelt
        assert locks[2][0] is not locks[0][0]
        assert locks[3] is None  # in memory: one shared connection, its own lock
    finally:
        for db in dbs:
            db.dispose()
