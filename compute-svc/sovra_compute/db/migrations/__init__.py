"""Alembic migrations of the compute service."""
