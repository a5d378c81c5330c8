"""Several stores behind the one Store contract (``/v2/info/stores``).

Writes go to the default store unless the caller picks one by id (``get``); reads
and deletes go to whichever store owns the location.
"""

from __future__ import annotations

import contextlib

from sovra_common import exception
from sovra_image.drivers.store.base import Store, StoreError, StoreWriter


class UnknownStore(exception.Invalid):
    message = "Store %(store)s is not available on this cloud."


class StoreSet(Store):
    def __init__(self, stores: dict[str, Store], default: str,
                 descriptions: dict[str, str] | None = None):
        if default not in stores:
            raise ValueError(f"default store {default!r} is not among {sorted(stores)}")
        self.stores = dict(stores)
        self.default = stores[default]
        self.descriptions = descriptions or {}

    @property
    def name(self) -> str:
        return self.default.name

    def get(self, store_id: str) -> Store:
        try:
            return self.stores[store_id]
        except KeyError:
            raise UnknownStore(store=store_id) from None

    def _owner(self, location: str) -> Store:
        for store in self.stores.values():
            if store.owns(location):
                return store
        raise StoreError(f"no enabled store holds {location!r}")

    def writer(self) -> StoreWriter:
        return self.default.writer()

    def read(self, location, offset=0, length=None, chunk_size=1024 * 1024):
        return self._owner(location).read(location, offset, length, chunk_size)

    def delete(self, location: str) -> None:
        self._owner(location).delete(location)

    def exists(self, location: str) -> bool:
        return self._owner(location).exists(location)

    def name_of(self, location: str) -> str:
        return self._owner(location).name

    def owns(self, location: str) -> bool:
        return any(store.owns(location) for store in self.stores.values())

    @contextlib.contextmanager
    def reference_lock(self):
        with contextlib.ExitStack() as locks:
            for store in self.stores.values():
                locks.enter_context(store.reference_lock())
            yield
