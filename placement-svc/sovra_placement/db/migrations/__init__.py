"""Alembic migrations of the placement database (run by sovra_common.db.migration)."""
