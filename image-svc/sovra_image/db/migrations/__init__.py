"""Alembic migrations of the image service (run by sovra_common.db.migration)."""
