"""Building blocks shared by every service's models and migrations.

    class Base(DeclarativeBase):
        metadata = MetaData(naming_convention=schema.NAMING_CONVENTION)

    class Widget(Base):
        __tablename__ = "widgets"
        __table_args__ = (UniqueConstraint("project_id", "name"), schema.TABLE_OPTIONS)
        created_at = mapped_column(schema.UTCDateTime, ...)

Migrations use the same: ``op.create_table(..., **schema.TABLE_OPTIONS)``.
"""

import datetime

from sqlalchemy import types
from sqlalchemy.dialects import mysql

# The range of an INTEGER column on every database Sovra runs on (MySQL's INT is
# 32-bit): what an API lets a client store in one.
INT_MIN, INT_MAX = -2 ** 31, 2 ** 31 - 1

# The range of a 64-bit integer (SQLite's INTEGER, MySQL's BIGINT): a bound or
# filter value outside it cannot be sent to the database (SQLite raises
# OverflowError), so queries decide such values themselves.
BIGINT_MIN, BIGINT_MAX = -2 ** 63, 2 ** 63 - 1

# Every constraint and index gets a predictable name, the same on SQLite and MySQL,
# so a later migration can drop or alter it by name.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# MySQL/MariaDB table options (ignored by SQLite). utf8mb4 stores any Unicode text.
# utf8mb4_bin compares strings byte for byte, as SQLite does: "Web" and "web" are two
# names in both modes (a *_ci collation would make them one name on MySQL only).
TABLE_OPTIONS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}


class UTCDateTime(types.TypeDecorator):
    """A point in time, stored as naive UTC, returned as an aware UTC datetime.

    Accepts aware datetimes (converted to UTC) and naive ones (taken as UTC).
    Microsecond precision on both backends (MySQL DATETIME(6)).
    """

    impl = types.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(types.DateTime())

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None:
            value = value.replace(tzinfo=datetime.UTC)
        return value


def utcnow() -> datetime.datetime:
    """Now, as an aware UTC datetime (a column default for UTCDateTime)."""
    return datetime.datetime.now(datetime.UTC)
