"""sovra_common.db.migration on SQLite: upgrade, revisions, models-vs-migrations check."""

import textwrap

import pytest
import sqlalchemy as sa
from alembic import command

from example_svc.db import DATABASE, models
from sovra_common.db import Database, ServiceDatabase, migration

HEAD = "0003_widget_size_description"


def test_heads():
    assert migration.heads(DATABASE.migrations) == (HEAD,)


def test_upgrade_from_empty_to_head(file_db):
    assert migration.current(file_db) == ()
    assert migration.upgrade(file_db, DATABASE.migrations) == (HEAD,)
    assert migration.current(file_db) == (HEAD,)
    tables = set(sa.inspect(file_db.engine).get_table_names())
    assert tables == {"alembic_version", "widgets", "widget_tags"}


def test_upgrade_step_by_step_and_again(file_db):
    assert migration.upgrade(file_db, DATABASE.migrations, "0001_widgets") == (
        "0001_widgets",)
    assert "widget_tags" not in sa.inspect(file_db.engine).get_table_names()
    assert migration.upgrade(file_db, DATABASE.migrations) == (HEAD,)
    assert migration.upgrade(file_db, DATABASE.migrations) == (HEAD,)  # no-op


def test_upgrade_by_directory_path(file_db):
    import example_svc.db.migrations as package
    directory = package.__path__[0]
    assert migration.upgrade(file_db, directory) == (HEAD,)


def test_foreign_keys_are_on_again_after_an_upgrade(file_db):
    migration.upgrade(file_db, DATABASE.migrations)
    with file_db.writer() as session:
        assert session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1


def test_models_match_migrations_on_sqlite(memory_db):
    migration.check_models(memory_db, DATABASE.migrations, models.Base.metadata)


def test_compare_lists_differences(memory_db):
    migration.upgrade(memory_db, DATABASE.migrations, "0001_widgets")
    metadata = sa.MetaData()
    for table in models.Base.metadata.tables.values():
        table.to_metadata(metadata)
    sa.Table("gadgets", metadata, sa.Column("id", sa.Integer, primary_key=True))
    metadata.tables["widgets"].append_column(sa.Column("colour", sa.String(20)))
    differences = migration.compare(memory_db, metadata)
    assert "add_table: gadgets" in differences
    assert "add_table: widget_tags" in differences
    assert "add_column: widgets.colour" in differences


def test_check_models_raises_on_mismatch(memory_db):
    metadata = sa.MetaData()
    sa.Table("widgets", metadata, sa.Column("id", sa.String(36), primary_key=True))
    with pytest.raises(migration.SchemaMismatch) as caught:
        migration.check_models(memory_db, DATABASE.migrations, metadata)
    assert "remove_table: widget_tags" in caught.value.differences
    assert "models and migrations disagree" in str(caught.value)


def _write_migrations(tmp_path, upgrade_body):
    """A throwaway migrations directory with one revision."""
    location = tmp_path / "migrations"
    (location / "versions").mkdir(parents=True)
    (location / "env.py").write_text(textwrap.dedent("""\
        import sqlalchemy as sa
        from alembic import context
        from sovra_common.db import migration
        migration.run_env(context, sa.MetaData())
        """))
    (location / "versions" / "0001_broken.py").write_text(textwrap.dedent("""\
        import sqlalchemy as sa
        from alembic import op
        revision = "0001_broken"
        down_revision = None
        def upgrade():
        """) + textwrap.indent(textwrap.dedent(upgrade_body), "    "))
    return str(location)


def test_failed_upgrade_on_sqlite_leaves_nothing_behind(file_db, tmp_path):
    location = _write_migrations(tmp_path, """\
        op.create_table("half", sa.Column("id", sa.Integer, primary_key=True))
        raise RuntimeError("revision failed half way")
        """)
    with pytest.raises(RuntimeError, match="half way"):
        migration.upgrade(file_db, location)
    assert sa.inspect(file_db.engine).get_table_names() == []
    assert migration.current(file_db) == ()


def test_upgrade_refuses_to_leave_dangling_foreign_keys(file_db, tmp_path):
    location = _write_migrations(tmp_path, """\
        op.create_table("parent", sa.Column("id", sa.Integer, primary_key=True))
        op.create_table("child", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id")))
        op.execute("INSERT INTO child (id, parent_id) VALUES (1, 42)")
        """)
    with pytest.raises(RuntimeError, match="dangling foreign keys in \\['child'\\]"):
        migration.upgrade(file_db, location)
    assert migration.current(file_db) == ()


def test_env_refuses_the_alembic_command_without_a_connection():
    config = migration._config(DATABASE.migrations)
    with pytest.raises(RuntimeError, match="sovra-manage"):
        command.upgrade(config, "head")


def test_service_database_loads_metadata():
    assert DATABASE.load_metadata() is models.Base.metadata
    by_metadata = ServiceDatabase("x", "p", "m", models="example_svc.db.models:Base.metadata")
    assert by_metadata.load_metadata() is models.Base.metadata
    with pytest.raises(TypeError):
        ServiceDatabase("x", "p", "m", models="example_svc.db.models:Widget.id").load_metadata()
    with pytest.raises(ValueError, match="declares no models"):
        ServiceDatabase("x", "p", "m").load_metadata()


def test_database_from_upgrade_is_usable(file_url):
    db = Database.from_url(file_url)
    try:
        migration.upgrade(db, DATABASE.migrations)
        with db.writer() as session:
            session.add(models.Widget(id="1", project_id="p", name="n"))
        with db.reader() as session:
            assert session.get(models.Widget, "1").name == "n"
    finally:
        db.dispose()
