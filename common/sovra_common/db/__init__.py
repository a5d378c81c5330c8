"""The database layer every service uses: engine, reader/writer transactions, deadlock
retry, schema helpers and alembic migrations. See database.py for the rules.

    db = Database.from_conf(conf, name="identity")     # once, at service start
    with db.writer() as session: ...
"""

from sovra_common.db.database import Database
from sovra_common.db.errors import (
    Deadlock,
    DuplicateEntry,
    ReferenceConflict,
    TransactionUsageError,
)
from sovra_common.db.migration import ServiceDatabase
from sovra_common.db.retry import retry_on_deadlock

__all__ = [
    "Database",
    "Deadlock",
    "DuplicateEntry",
    "ReferenceConflict",
    "ServiceDatabase",
    "TransactionUsageError",
    "retry_on_deadlock",
]
