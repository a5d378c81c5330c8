"""Alembic migrations of a service's database, run from code (not the alembic command).

A service keeps its migrations in a package directory (``sovra_<svc>/db/migrations/``:
``__init__.py``, ``env.py``, ``script.py.mako``, ``versions/__init__.py`` and the
revisions; the ``__init__.py`` files make setuptools ship them) and names it by its
location: a package resource ``"sovra_identity.db:migrations"`` or a directory path.
Its ``env.py`` is three lines::

    from alembic import context
    from sovra_common.db import migration
    from sovra_identity.db import models
    migration.run_env(context, models.Base.metadata)

and it declares itself to ``sovra-manage`` with a :class:`ServiceDatabase`.

Upgrades run in one transaction: atomic on SQLite (transactional DDL; foreign keys
are off meanwhile so that table rebuilds work, and checked before the commit); on
MySQL each DDL statement commits on its own, so a failed upgrade stops at the last
revision that completed. There are no downgrades.
"""

import dataclasses
import importlib
from collections.abc import Sequence

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.types import TypeEngine

from sovra_common.db import engine as db_engine
from sovra_common.db.database import Database


@dataclasses.dataclass(frozen=True)
class ServiceDatabase:
    """What a service declares about its database, for ``sovra-manage`` and tests.

    A service exposes one instance as an entry point in the ``sovra.manage.databases``
    group, the entry point's name equal to ``name``::

        [options.entry_points]
        sovra.manage.databases =
            identity = sovra_identity.db:DATABASE

    The module holding it must import quickly and without side effects (no app, no
    config parsing): ``sovra-manage`` imports every registered one to build its help.
    """

    name: str
    """Service name, as typed: ``sovra-manage <name> db sync``."""
    config_project: str
    """oslo.config project: without --config-file, ``<project>.conf`` is searched for
    in oslo.config's default places (``/etc/<project>/``, ...)."""
    migrations: str
    """Alembic script location: ``"package.module:directory"`` or a directory path."""
    models: str | None = None
    """``"package.module:attribute"`` of the models' MetaData (or declarative Base),
    for ``db check``; imported only when needed."""
    description: str = ""
    """One line for ``sovra-manage --help``."""

    def load_metadata(self) -> MetaData:
        if self.models is None:
            raise ValueError(f"service {self.name!r} declares no models")
        module_name, _, attr_path = self.models.partition(":")
        obj = importlib.import_module(module_name)
        for attr in filter(None, attr_path.split(".")):
            obj = getattr(obj, attr)
        obj = getattr(obj, "metadata", obj)
        if not isinstance(obj, MetaData):
            raise TypeError(f"{self.models!r} is not a MetaData or a declarative Base")
        return obj


class SchemaMismatch(AssertionError):
    """The database schema (after migrations) differs from the models."""

    def __init__(self, differences: Sequence[str]):
        self.differences = list(differences)
        super().__init__("models and migrations disagree:\n  " +
                         "\n  ".join(self.differences))


def run_env(context, target_metadata: MetaData) -> None:
    """The body of every service's migrations/env.py."""
    if context.is_offline_mode():
        raise RuntimeError("offline (--sql) migrations are not supported")
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations with `sovra-manage <service> db sync` (or "
                           "sovra_common.db.migration), not with the alembic command")
    context.configure(connection=connection, target_metadata=target_metadata,
                      compare_type=True,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def upgrade(database: Database, location: str, revision: str = "head") -> tuple[str, ...]:
    """Upgrade to ``revision`` (default: the latest); returns the revision(s) now current."""
    with database.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn = conn.execution_options(**{db_engine.SQLITE_FOREIGN_KEYS: False})
        with conn.begin():
            command.upgrade(_config(location, conn), revision)
            if conn.dialect.name == "sqlite":
                _check_foreign_keys(conn)
        return _current(conn)


def current(database: Database) -> tuple[str, ...]:
    """The revision(s) the database is at; () for a database never migrated."""
    with database.engine.connect() as conn:
        return _current(conn)


def heads(location: str) -> tuple[str, ...]:
    """The latest revision(s) of the migrations at ``location``."""
    return tuple(ScriptDirectory.from_config(_config(location)).get_heads())


def compare(database: Database, metadata: MetaData) -> list[str]:
    """How the database's schema differs from ``metadata``, one line per difference
    (alembic autogenerate's comparison; [] when they agree)."""
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return [_describe(diff) for diff in _flatten(compare_metadata(context, metadata))]


def check_models(database: Database, location: str, metadata: MetaData) -> None:
    """Upgrade ``database`` (meant to be empty) to head, then raise SchemaMismatch if
    the result differs from ``metadata``. For each service's tests."""
    upgrade(database, location)
    differences = compare(database, metadata)
    if differences:
        raise SchemaMismatch(differences)


def _config(location, connection=None):
    config = Config()
    config.set_main_option("script_location", location)
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _current(conn):
    return tuple(MigrationContext.configure(conn).get_current_heads())


def _check_foreign_keys(conn):
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({row[0] for row in broken})
        raise RuntimeError(f"migration left rows with dangling foreign keys in {tables}")


def _flatten(diffs):
    for diff in diffs:
        if isinstance(diff, list):  # modify_* directives come grouped per column
            yield from diff
        else:
            yield diff


def _describe(diff) -> str:
    op, *args = diff
    if op.startswith("modify_"):  # (schema, table, column, existing, old, new)
        _schema, table, column, _existing, old, new = args
        return f"{op}: {table}.{column}: {_value(old)} -> {_value(new)}"
    if op in ("add_column", "remove_column"):  # (schema, table, column)
        return f"{op}: {_name(args[2])}"
    return f"{op}: " + ", ".join(_name(arg) for arg in args if arg is not None)


def _value(value) -> str:
    if isinstance(value, TypeEngine):
        try:
            return str(value)
        except Exception:  # a type the default dialect cannot render
            return repr(value)
    return repr(value)


def _name(obj) -> str:
    table = getattr(obj, "table", None)
    name = getattr(obj, "name", None)
    if table is not None:  # a column, an index or a constraint
        label = f"{table.name}.{name or '(unnamed)'}"
        columns = getattr(obj, "columns", None)
        if columns is not None and not hasattr(obj, "type"):
            label += f"({', '.join(c.name for c in columns)})"
        return label
    if name is not None:  # a table
        return str(name)
    return obj if isinstance(obj, str) else repr(obj)
