"""Alembic migrations of the example service (run by sovra_common.db.migration)."""
