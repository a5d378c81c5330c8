"""Where image data lives: the Store contract and its implementations."""

from sovra_image.drivers.store.base import Store, StoreError, StoreWriter
from sovra_image.drivers.store.filesystem import FilesystemStore
from sovra_image.drivers.store.multi import StoreSet, UnknownStore

__all__ = ["FilesystemStore", "Store", "StoreError", "StoreSet", "StoreWriter",
           "UnknownStore", "from_conf"]

DESCRIPTIONS = {"file": "Filesystem store", "s3": "S3-compatible object store"}


def _build(conf, store_id: str) -> Store:
    if store_id == "file":
        return FilesystemStore(conf.image.filesystem_store_datadir,
                               stale_after=conf.image.stalled_upload_timeout)
    if store_id == "s3":
        from sovra_image.drivers.store.s3 import S3Store
        s3 = conf.s3_store
        return S3Store(bucket=s3.bucket, endpoint_url=s3.endpoint_url,
                       access_key=s3.access_key, secret_key=s3.secret_key,
                       region_name=s3.region_name, prefix=s3.prefix,
                       part_size=s3.part_size_mib * 1024 * 1024,
                       create_bucket=s3.create_bucket)
    raise ValueError(f"unknown store {store_id!r} in [image] enabled_stores "
                     "(file, s3)")


def from_conf(conf) -> StoreSet:
    """The stores ``[image] enabled_stores`` names, ``default_store`` first choice."""
    stores = {store_id: _build(conf, store_id) for store_id in conf.image.enabled_stores}
    return StoreSet(stores, conf.image.default_store,
                    {k: DESCRIPTIONS[k] for k in stores})
