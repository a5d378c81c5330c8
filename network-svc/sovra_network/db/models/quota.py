"""Per-project quota limits, and the rows that serialise quota checks.

A create that counts against a quota first bumps its (project, resource) row in
``quota_locks`` inside its own transaction: MariaDB then holds that row's lock and
SQLite the database's write lock until the transaction ends, so two creates of
one project cannot both see the last free unit.
"""

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sovra_common.db import schema
from sovra_network.db.models.base import Base


class Quota(Base):
    """A limit set for a project (absent: the configured default)."""

    __tablename__ = "quotas"
    __table_args__ = (schema.TABLE_OPTIONS,)

    project_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    resource: Mapped[str] = mapped_column(String(255), primary_key=True)
    limit: Mapped[int] = mapped_column(Integer)


class QuotaLock(Base):
    __tablename__ = "quota_locks"
    __table_args__ = (schema.TABLE_OPTIONS,)

    project_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    resource: Mapped[str] = mapped_column(String(255), primary_key=True)
    counter: Mapped[int] = mapped_column(Integer, default=0)
