"""Backup stores: where the volume agent keeps volume backups (``base.BackupStore``;
``filesystem`` and ``s3``, entry points of ``sovra.block.backup_stores``). What a
backup is made of (chunks, manifests) is ``sovra_block.agent.backup``'s business."""

from __future__ import annotations

from importlib import metadata

from sovra_block.backup.base import (
    BackupObjectNotFound,
    BackupStore,
    BackupStoreError,
    check_name,
)

STORES_GROUP = "sovra.block.backup_stores"

__all__ = ["BackupObjectNotFound", "BackupStore", "BackupStoreError", "check_name",
           "load_store", "STORES_GROUP"]


def load_store(conf) -> BackupStore:
    """The store ``[backup] backup_store`` names, built from its options (no I/O
    yet); ``BackupStoreError`` if there is no such store or it cannot be built."""
    wanted = conf.backup.backup_store
    found = [ep for ep in metadata.entry_points(group=STORES_GROUP) if ep.name == wanted]
    if not found:
        known = sorted({ep.name for ep in metadata.entry_points(group=STORES_GROUP)})
        raise BackupStoreError(f"[backup] backup_store = {wanted}: no such store "
                               f"(installed: {', '.join(known) or 'none'})")
    return found[0].load().from_conf(conf)
