"""Alembic migrations of the network service (run by sovra_common.db.migration)."""
