"""Alembic migrations of the block storage service (run by sovra_common.db.migration)."""
