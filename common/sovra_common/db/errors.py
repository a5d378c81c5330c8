"""Database errors in domain terms.

A :class:`~sovra_common.db.database.Database` transaction turns the driver errors
that have a meaning for the caller into these (the driver error stays chained as
``__cause__``); anything else propagates unchanged.
"""

import re

from sqlalchemy import exc as sa_exc

from sovra_common import exception


class DuplicateEntry(exception.Conflict):
    """A unique constraint refused the row.

    ``constraint`` is the constraint's name where the database reports it (MySQL),
    ``columns`` the columns where it reports those (SQLite); either may be None.
    Services usually catch this to raise a Conflict that names the resource.
    """

    message = "A resource with the same unique attributes already exists."

    def __init__(self, message=None, *, constraint=None, columns=None):
        super().__init__(message)
        self.constraint = constraint
        self.columns = columns


class ReferenceConflict(exception.Conflict):
    """A foreign key refused the change: the row is still referenced, or the row it
    references does not exist."""

    message = "The resource is in use, or refers to a resource that does not exist."


class Deadlock(exception.Conflict):
    """The transaction lost a lock conflict with a concurrent one: a deadlock, a lock
    wait timeout, or (SQLite) the database stayed locked past the busy timeout.

    ``retryable`` becomes True once the whole transaction has been rolled back (the
    error left the outermost reader/writer); only then may the work be re-run, which
    is what :func:`sovra_common.db.retry.retry_on_deadlock` does.
    """

    message = "The request conflicted with a concurrent update; retry it."

    def __init__(self, message=None):
        super().__init__(message)
        self.retryable = False


class TransactionUsageError(RuntimeError):
    """Readers and writers used in a way that cannot work (a bug, not a user error):
    a writer opened inside a reader, or a reader that tried to write."""


# MySQL / MariaDB server error numbers (PyMySQL puts them in args[0]).
_MYSQL_DUPLICATE = {1062, 1586}            # ER_DUP_ENTRY, ER_DUP_ENTRY_WITH_KEY_NAME
_MYSQL_REFERENCE = {1451, 1452, 1216, 1217}  # row is referenced / no referenced row
_MYSQL_DEADLOCK = {1213, 1205}             # ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT
_MYSQL_UNREACHABLE = {2002, 2003, 2006, 2013, 2055}  # cannot connect / server gone
_MYSQL_DUP_KEY = re.compile(r"for key '(?:[^'.]*\.)?([^']+)'")

# SQLite result codes (sqlite3 exceptions carry them as sqlite_errorcode).
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
_SQLITE_CONSTRAINT_FOREIGNKEY = 787
_SQLITE_CONSTRAINT_PRIMARYKEY = 1555
_SQLITE_CONSTRAINT_UNIQUE = 2067
_SQLITE_UNIQUE_COLUMNS = re.compile(r"UNIQUE constraint failed: (.+)$")


def translate(error: BaseException) -> BaseException | None:
    """The domain error for a SQLAlchemy DBAPI error, or None if it has none."""
    if not isinstance(error, sa_exc.DBAPIError):
        return None
    orig = error.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return _translate_sqlite(code, str(orig))
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int):
        return _translate_mysql(args[0], str(args[1]) if len(args) > 1 else "")
    if error.connection_invalidated:
        return _unreachable(orig)
    return None


def _translate_sqlite(code, text):
    if code == _SQLITE_CONSTRAINT_UNIQUE or code == _SQLITE_CONSTRAINT_PRIMARYKEY:
        match = _SQLITE_UNIQUE_COLUMNS.search(text)
        columns = ([c.strip().rpartition(".")[2] for c in match.group(1).split(",")]
                   if match else None)
        return DuplicateEntry(columns=columns)
    if code == _SQLITE_CONSTRAINT_FOREIGNKEY:
        return ReferenceConflict()
    if code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED):  # includes BUSY_SNAPSHOT etc.
        return Deadlock()
    return None


def _translate_mysql(code, text):
    if code in _MYSQL_DUPLICATE:
        match = _MYSQL_DUP_KEY.search(text)
        return DuplicateEntry(constraint=match.group(1) if match else None)
    if code in _MYSQL_REFERENCE:
        return ReferenceConflict()
    if code in _MYSQL_DEADLOCK:
        return Deadlock()
    if code in _MYSQL_UNREACHABLE:
        return _unreachable(text)
    return None


def _unreachable(detail):
    return exception.ServiceUnavailable(f"The database cannot be reached: {detail}")
