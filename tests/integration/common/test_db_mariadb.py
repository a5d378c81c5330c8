"""The database layer against a real MariaDB (the `mariadb_server` fixture)."""

import threading
import uuid

import pytest
import sqlalchemy as sa

from example_svc.db import DATABASE
from example_svc.db.models import Widget, WidgetTag
from sovra_common import exception
from sovra_common.cmd import manage
from sovra_common.db import (
    Database,
    Deadlock,
    DuplicateEntry,
    ReferenceConflict,
    migration,
    retry_on_deadlock,
)

HEAD = "0003_widget_size_description"


@pytest.fixture
def url(mariadb_server):
    """A fresh, empty database of its own for each test."""
    return mariadb_server.url_for(f"sovra_t_{uuid.uuid4().hex[:16]}")


@pytest.fixture
def db(url):
    database = Database.from_url(url)
    yield database
    database.dispose()


@pytest.fixture
def example_db(db):
    migration.upgrade(db, DATABASE.migrations)
    return db


def _add(db, name, project_id="p1", id=None):
    with db.writer() as session:
        session.add(Widget(id=id or uuid.uuid4().hex, project_id=project_id, name=name))


def test_migrations_to_head(db):
    assert migration.current(db) == ()
    assert migration.upgrade(db, DATABASE.migrations) == (HEAD,)
    assert migration.upgrade(db, DATABASE.migrations) == (HEAD,)
    inspector = sa.inspect(db.engine)
    assert set(inspector.get_table_names()) == {"alembic_version", "widgets", "widget_tags"}
    options = inspector.get_table_options("widgets")
    assert options["mysql_engine"] == "InnoDB"
    assert options["mysql_default charset"] == "utf8mb4"
    assert options["mysql_collate"] == "utf8mb4_bin"


def test_models_match_migrations_on_mysql(db):
    migration.check_models(db, DATABASE.migrations, DATABASE.load_metadata())


def test_session_settings(example_db):
    with example_db.writer() as session:
        mode, isolation, charset = session.execute(sa.text(
            "SELECT @@SESSION.sql_mode, @@SESSION.tx_isolation, "
            "@@SESSION.character_set_client")).one()
    assert "STRICT_TRANS_TABLES" in mode and "NO_ENGINE_SUBSTITUTION" in mode
    assert isolation == "REPEATABLE-READ"
    assert charset == "utf8mb4"


def test_round_trip(example_db):
    name = "g\u00e9om\u00e9trie \U0001F680 \u4e2d\u6587"  # 4-byte UTF-8 included
    with example_db.writer() as session:
        widget = Widget(id="w1", project_id="p1", name=name,
                        tags=[WidgetTag(tag="a"), WidgetTag(tag="b")])
        session.add(widget)
    created = widget.created_at
    with example_db.reader() as session:
        loaded = session.get(Widget, "w1")
        tags = sorted(t.tag for t in loaded.tags)
    assert loaded.name == name
    assert loaded.created_at == created and loaded.created_at.microsecond == \
        created.microsecond
    assert tags == ["a", "b"]


def test_unique_violation_is_a_conflict(example_db):
    _add(example_db, "dup")
    with pytest.raises(DuplicateEntry) as caught:
        _add(example_db, "dup")
    assert isinstance(caught.value, exception.Conflict)
    assert caught.value.constraint == "uq_widgets_project_id_name"
    _add(example_db, "dup", project_id="p2")  # unique per project only


def test_names_compare_exactly_as_on_sqlite(example_db):
    _add(example_db, "Web")
    _add(example_db, "web")  # utf8mb4_bin: a different name, as on SQLite


def test_foreign_keys(example_db):
    with pytest.raises(ReferenceConflict):
        with example_db.writer() as session:
            session.add(WidgetTag(widget_id="missing", tag="t"))
    _add(example_db, "w", id="w1")
    with example_db.writer() as session:
        session.add(WidgetTag(widget_id="w1", tag="t"))
    with example_db.writer() as session:
        session.execute(sa.delete(Widget))
    with example_db.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(WidgetTag)) == 0


def test_strict_mode_refuses_truncation(example_db):
    with pytest.raises(sa.exc.DataError, match="Data too long"):
        _add(example_db, "x" * 256)


def test_reader_is_read_only_and_consistent(example_db):
    _add(example_db, "a")
    with pytest.raises(sa.exc.OperationalError, match="READ ONLY"):
        with example_db.reader() as session:
            session.execute(sa.update(Widget).values(name="b"))
    with example_db.reader() as session:
        count = sa.select(sa.func.count()).select_from(Widget)
        assert session.scalar(count) == 1
        with example_db.engine.begin() as other:  # another connection commits
            other.execute(sa.insert(Widget).values(id="b", project_id="p1", name="b",
                                                   created_at=sa.func.now()))
        assert session.scalar(count) == 1  # same snapshot
    with example_db.reader() as session:
        assert session.scalar(count) == 2


def test_real_deadlock_is_retried(example_db):
    _add(example_db, "a", id="a")
    _add(example_db, "b", id="b")
    barrier = threading.Barrier(2, timeout=10)
    attempts = {"ab": 0, "ba": 0}
    failures = []

    @retry_on_deadlock
    def cross_update(first, second, key):
        attempts[key] += 1
        with example_db.writer() as session:
            session.execute(
                sa.update(Widget).where(Widget.id == first).values(project_id=key))
            if attempts[key] == 1:
                barrier.wait()  # both hold one row lock: each now wants the other's
            session.execute(
                sa.update(Widget).where(Widget.id == second).values(project_id=key))

    def run(*args):
        try:
            cross_update(*args)
        except Exception as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=("a", "b", "ab")),
               threading.Thread(target=run, args=("b", "a", "ba"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    assert sorted(attempts.values()) == [1, 2]  # the deadlock victim ran twice
    with example_db.reader() as session:
        owners = set(session.scalars(sa.select(Widget.project_id)))
    assert len(owners) == 1  # the transaction that ran last set both rows


def test_deadlock_error_translation(example_db):
    error = sa.exc.OperationalError("x", {}, Exception(1213, "Deadlock found"))
    with pytest.raises(Deadlock) as caught:
        with example_db.writer():
            raise error
    assert caught.value.retryable


def test_sovra_manage_on_mysql(url, tmp_path, capsys):
    conf = tmp_path / "example.conf"
    conf.write_text(f"[database]\nconnection = {url}\n")
    argv = ["example", "db", "sync", "--config-file", str(conf)]
    assert manage.main(argv, services=[DATABASE], commands=[]) == 0
    assert manage.main(["example", "db", "check", "--config-file", str(conf)],
                       services=[DATABASE], commands=[]) == 0
    out, err = capsys.readouterr()
    assert f"upgraded from base to {HEAD}" in out and "matches" in out and err == ""


def test_unreachable_server_is_one_line(tmp_path, capsys, mariadb_server):
    conf = tmp_path / "example.conf"
    # a loopback port nobody listens on: the server's own port, plus a closed one
    url = mariadb_server.url_for("sovra_unreachable").replace(
        f":{mariadb_server.port}/", ":1/")
    conf.write_text(f"[database]\nconnection = {url}\n")
    status = manage.main(["example", "db", "sync", "--config-file", str(conf)],
                         services=[DATABASE], commands=[])
    _, err = capsys.readouterr()
    assert status == 1
    assert err.startswith("sovra-manage: error: The database cannot be reached: ")
    assert err.count("\n") == 1 and mariadb_server.password not in err


def test_connections_return_to_the_pool_without_an_open_transaction(url):
    """The engine skips the pool's ROLLBACK-on-return when the session already ended
    the transaction; every path must still leave the connection clean."""
    db = Database.from_url(url, max_pool_size=1, max_overflow=0)  # one connection
    migration.upgrade(db, DATABASE.migrations)

    def open_transaction():
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("SELECT @@in_transaction")
            return cursor.fetchone()[0]
        finally:
            raw.close()

    try:
        _add(db, "a")
        assert open_transaction() == 0
        with db.reader() as session:
            session.get(Widget, "a")
        assert open_transaction() == 0
        with pytest.raises(DuplicateEntry):
            _add(db, "a")
        assert open_transaction() == 0
        with db.engine.connect() as conn:  # plain use, never committed
            conn.execute(sa.select(Widget))
        assert open_transaction() == 0
        raw = db.engine.raw_connection()  # raw DBAPI use the events cannot see
        raw.cursor().execute("SELECT * FROM widgets FOR UPDATE")
        raw.close()
        assert open_transaction() == 0
    finally:
        db.dispose()
