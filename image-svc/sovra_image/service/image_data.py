"""Image data: the streamed upload, and reading it back.

Upload contract (``upload``):

* only a ``queued`` image with disk_format and container_format set takes data; it
  moves to ``saving`` with a compare-and-set, so two uploads cannot both run;
* the body (``readinto(buffer)``, or ``read(n)``) is read into a small ring of
  buffers, never whole in memory; MD5 (``checksum``), SHA-512 (``os_hash_value``)
  and the store write each run in a thread of their own over each buffer, while
  the size is counted and the header inspected (sovra_image.format.inspector) for
  ``bare`` data;
* success: the data is committed under its SHA-512, the image becomes ``active``
  with size, virtual_size, hashes and its location, in one transaction;
* any failure (size cap, format refused, client gone, store error, the image
  deleted meanwhile): the written data is removed and the image goes back to
  ``queued``: an upload never leaves partial data or an active image with wrong
  bytes;
* an upload whose process was killed leaves the image in ``saving`` (and, for
  the filesystem store, an unfinished file in its staging dir): the upload touches
  the image every tenth of ``[image] stalled_upload_timeout``, so once that long
  has passed without a touch a new upload takes the image over, and the store
  drops unfinished files that old when it starts. The hashes and the location
  become the image's in one transaction, from the one upload that commits.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import logging
import queue
import threading
import time

from sovra_common import exception
from sovra_image.db.api import image as image_db
from sovra_image.format import inspector
from sovra_image.service import quota as image_quota

LOG = logging.getLogger(__name__)

CHUNK_SIZE = 1024 * 1024
BUFFERS = 8  # chunks in flight at most, between the socket and the consumers
HASH_ALGO = "sha512"


class ImageDataTooLarge(exception.PayloadTooLarge):
    message = "Image exceeds the storage quota: the size cap is %(cap)d bytes."


class StorageQuotaExceeded(exception.PayloadTooLarge):
    message = ("The image data would exceed the project's storage quota of %(quota)d "
               "bytes (%(used)d in use).")


class ImageNotQueued(exception.Conflict):
    message = "Image status transition from %(status)s to saving is not allowed"


class ImageDataIncomplete(exception.Invalid):
    message = "The image data ended after %(got)d of %(expected)d bytes."


class ImageDataUnavailable(exception.Forbidden):
    message = ("The requested image has been deactivated. Image data download is "
               "forbidden.")


class ImageDeletedDuringUpload(exception.Conflict):
    message = "Image %(image_id)s was deleted during its upload; the data was dropped."


def check_uploadable(conf, image, content_length: int | None, db=None,
                     limits=None) -> None:
    """Refuse data for an image without formats, or announced over the size cap or
    the owner's storage quota."""
    if image.disk_format is None or image.container_format is None:
        raise exception.Invalid("Properties disk_format, container_format must be set "
                                "prior to saving data.")
    cap = conf.image.image_size_cap
    if content_length is not None and content_length > cap:
        raise ImageDataTooLarge(cap=cap)
    if content_length is not None and db is not None:
        _quota_limit(db, conf, image, limits).check(content_length)


class _QuotaLimit:
    """How much more data the image's owner may store (None: no limit)."""

    def __init__(self, quota: int | None, used: int):
        self.quota, self.used = quota, used

    def check(self, size: int) -> None:
        if self.quota is not None and self.used + size > self.quota:
            raise StorageQuotaExceeded(quota=self.quota, used=self.used)


def _quota_limit(db, conf, image, limits=None) -> _QuotaLimit:
    if image.owner is None:
        return _QuotaLimit(None, 0)
    quota = (limits or image_quota.ConfigLimits(conf)).storage_bytes(image.owner)
    if quota is None:
        return _QuotaLimit(None, 0)
    with db.reader() as session:
        return _QuotaLimit(quota, image_db.owner_usage(session, image.owner,
                                                       exclude=image.id)[1])


def upload(db, store, conf, image, stream, content_length: int | None, limits=None):
    """Store the data read from ``stream`` (``.read(n)``) as the image's; returns the
    image, now active. See the module docstring for the contract."""
    check_uploadable(conf, image, content_length, db, limits)
    stalled = (datetime.datetime.now(datetime.UTC)
               - datetime.timedelta(seconds=conf.image.stalled_upload_timeout))
    with db.writer() as session:
        if not (image_db.set_status(session, image.id, ("queued",), "saving")
                or image_db.take_over_stalled(session, image.id, "saving", stalled)):
            raise ImageNotQueued(status=image.status)
    return receive(db, store, conf, image, stream, content_length, "saving", limits)


def receive(db, store, conf, image, stream, content_length, working_status: str,
            limits=None):
    """The data of an image already moved to ``working_status`` (saving, importing):
    stream it into the store and make the image active, or put the image back to
    ``queued`` with nothing stored."""
    writer = store.writer()
    try:
        return _receive(db, store, image, stream, content_length,
                        conf.image.image_size_cap, writer, working_status,
                        _quota_limit(db, conf, image, limits),
                        _Heartbeat(db, image.id, working_status,
                                   conf.image.stalled_upload_timeout / 10))
    except BaseException:
        writer.abort()
        try:
            with db.writer() as session:
                image_db.set_status(session, image.id, (working_status,), "queued")
        except Exception:
            LOG.exception("upload of image %s failed; setting it back to queued "
                          "failed too", image.id)
        raise


class _Consumer(threading.Thread):
    """Runs ``work(chunk)`` on each chunk handed to it, in order, in its own thread,
    and says when it is done with each (the producer then reuses that buffer).

    hashlib and os.write release the GIL on large buffers, so MD5, SHA-512 and the
    store write run in parallel with each other and with the socket reads. The
    first error is kept (``error``); later chunks are then skipped, not worked on."""

    def __init__(self, name: str, work):
        super().__init__(name=f"image-data-{name}", daemon=True)
        self._work = work
        self._todo: queue.SimpleQueue = queue.SimpleQueue()
        self._done: queue.SimpleQueue = queue.SimpleQueue()
        self.error: BaseException | None = None
        self.start()

    def run(self):
        while (chunk := self._todo.get()) is not None:
            if self.error is None:
                try:
                    self._work(chunk)
                except BaseException as exc:  # handed to the producer
                    self.error = exc
            self._done.put(None)

    def submit(self, chunk: memoryview) -> None:
        self._todo.put(chunk)

    def wait_done(self) -> None:
        """Wait until the oldest chunk not yet waited for is done with."""
        self._done.get()

    def close(self) -> None:
        if self.is_alive():
            self._todo.put(None)
            self.join()


class _Heartbeat:
    """Touches the image (updated_at) every ``interval`` seconds while its data
    streams, so that only an upload that really stopped looks stalled
    ([image] stalled_upload_timeout); raises if the image left ``status``."""

    def __init__(self, db, image_id: str, status: str, interval: float):
        self._db, self._image_id, self._status = db, image_id, status
        self._interval = interval
        self._next = time.monotonic() + interval

    def __call__(self) -> None:
        if time.monotonic() < self._next:
            return
        self._next = time.monotonic() + self._interval
        with self._db.writer() as session:
            alive = image_db.set_status(session, self._image_id, (self._status,),
                                        self._status)
        if not alive:
            raise ImageDeletedDuringUpload(image_id=self._image_id)


def reader(stream):
    """``readinto(buffer) -> int`` of ``stream`` (one with only ``read(n)`` too)."""
    if hasattr(stream, "readinto"):
        return stream.readinto

    def readinto(buffer) -> int:
        data = stream.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)
    return readinto


def _fill(readinto, buffer: bytearray) -> int:
    """Read into ``buffer`` until it is full or the stream ends; the byte count."""
    view = memoryview(buffer)
    got = 0
    while got < len(buffer):
        n = readinto(view[got:])
        if not n:
            break
        got += n
    return got


def _receive(db, store, image, stream, content_length, cap, writer, working_status,
             quota, heartbeat):
    check = (inspector.Inspector(image.disk_format)
             if image.container_format == "bare" else None)
    digests = [hashlib.md5(usedforsecurity=False), hashlib.new(HASH_ALGO)]
    size = _copy(stream, writer, check, digests, cap, quota, heartbeat)
    if content_length is not None and size != content_length:
        raise ImageDataIncomplete(got=size, expected=content_length)
    virtual_size = check.finish() if check is not None else None
    md5, digest = (d.hexdigest() for d in digests)
    values = {"size": size, "virtual_size": virtual_size, "checksum": md5,
              "os_hash_algo": HASH_ALGO, "os_hash_value": digest}
    with store.reference_lock():
        location = writer.commit(values["os_hash_value"])
        with db.writer() as session:
            done = image_db.set_status(session, image.id, (working_status,), "active",
                                        **values)
            if done:
                image_db.add_location(session, image.id, store.name_of(location),
                                      location)
                in_use = True
            else:
                in_use = image_db.location_in_use(session, location)
        if not done:
            if not in_use:
                store.delete(location)
            raise ImageDeletedDuringUpload(image_id=image.id)
    with db.reader() as session:
        return image_db.get(session, image.id)


def _copy(stream, writer, check, digests, cap, quota, heartbeat) -> int:
    """Read ``stream`` into a ring of BUFFERS buffers; each filled buffer goes to
    one thread per digest and one for the store writer, and is refilled once all
    three are done with it. Memory stays at BUFFERS * CHUNK_SIZE whatever the size.
    """
    readinto = reader(stream)
    consumers = [_Consumer(d.name, d.update) for d in digests]
    consumers.append(_Consumer("store", writer.write))
    buffers = [bytearray(CHUNK_SIZE) for _ in range(BUFFERS)]
    size = 0
    try:
        for index in itertools.count():
            if index >= BUFFERS:  # the buffer's previous chunk must be done with
                for consumer in consumers:
                    consumer.wait_done()
            for consumer in consumers:
                if consumer.error is not None:
                    raise consumer.error
            buffer = buffers[index % BUFFERS]
            got = _fill(readinto, buffer)
            if not got:
                break
            size += got
            if size > cap:
                raise ImageDataTooLarge(cap=cap)
            quota.check(size)
            heartbeat()
            chunk = memoryview(buffer)[:got]
            if check is not None:
                check.feed(chunk)
            for consumer in consumers:
                consumer.submit(chunk)
    finally:
        for consumer in consumers:
            consumer.close()
    for consumer in consumers:
        if consumer.error is not None:
            raise consumer.error
    return size


def copy_to_store(db, stores, image, target) -> None:
    """Copy an active image's data into store ``target`` (copy-image) and record the
    new location; the data is verified against ``os_hash_value`` on the way."""
    source = image.locations[0].url
    writer = target.writer()
    digest = hashlib.new(HASH_ALGO)
    try:
        for chunk in stores.read(source):
            digest.update(chunk)
            writer.write(chunk)
        if digest.hexdigest() != image.os_hash_value:
            raise ImageDataIncomplete(got=0, expected=image.size or 0)
        with stores.reference_lock():
            location = writer.commit(image.os_hash_value)
            with db.writer() as session:
                row = image_db.get(session, image.id)
                if row is not None and row.status in ("active", "deactivated"):
                    image_db.add_location(session, image.id, target.name, location)
                    return
                in_use = image_db.location_in_use(session, location)
            if not in_use:
                stores.delete(location)
            raise ImageDeletedDuringUpload(image_id=image.id)
    except BaseException:
        writer.abort()
        raise


def data_location(context, image) -> str | None:
    """Where the image's data is, None if it has none (yet); ImageDataUnavailable if
    the caller may not read it (a deactivated image, for anyone but an admin)."""
    if image.status == "deactivated" and not context.is_admin:
        raise ImageDataUnavailable()
    if image.status not in ("active", "deactivated") or not image.locations:
        return None
    return image.locations[0].url
