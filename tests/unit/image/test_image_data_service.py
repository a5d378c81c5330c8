"""The upload contract: hashes and sizes computed while streaming; any failure leaves
the image queued with nothing stored."""

import datetime
import hashlib
import io
import os
import time

import pytest

from sovra_common import exception
from sovra_common.context import RequestContext
from sovra_common.db import Database, migration
from sovra_image import conf as image_conf
from sovra_image.db import DATABASE
from sovra_image.drivers.store import FilesystemStore
from sovra_image.format import inspector
from sovra_image.service import image as image_service
from sovra_image.service import image_data

CTX = RequestContext(user_id="u", project_id="p", roles=["member", "reader"])


@pytest.fixture
def env(tmp_path):
    db = Database.from_url("sqlite://")
    migration.upgrade(db, DATABASE.migrations)
    conf = image_conf.new_conf()
    conf(args=[], project="sovra-image", default_config_files=[])
    conf.set_override("image_size_cap", 1 << 20, group="image")
    store = FilesystemStore(str(tmp_path / "store"))
    yield db, conf, store
    db.dispose()


def _new(db, conf, **values):
    values = {"disk_format": "raw", "container_format": "bare", **values}
    return image_service.create(db, conf, CTX, values)


def _stored_files(store):
    return [f for _, _, files in os.walk(store.datadir) for f in files if f != ".lock"]


class _Stream:
    """``size`` bytes in 1000-byte reads, optionally failing after ``fail_after``
    (a stream with read() only: the service also takes those)."""

    def __init__(self, size, fail_after=None):
        self.left, self.sent, self.fail_after = size, 0, fail_after

    def read(self, n=-1):
        if self.fail_after is not None and self.sent >= self.fail_after:
            raise OSError("client went away")
        n = min(1000, self.left, n if n >= 0 else 1000)
        self.left -= n
        self.sent += n
        return b"\x07" * n


def test_upload_makes_the_image_active_with_hashes(env):
    db, conf, store = env
    image = _new(db, conf)
    data = os.urandom(300_000)
    done = image_data.upload(db, store, conf, image, io.BytesIO(data), len(data))
    assert done.status == "active"
    assert done.size == done.virtual_size == len(data)
    assert done.checksum == hashlib.md5(data).hexdigest()
    assert done.os_hash_algo == "sha512"
    assert done.os_hash_value == hashlib.sha512(data).hexdigest()
    assert b"".join(store.read(done.locations[0].url)) == data


def test_only_queued_images_take_data(env):
    db, conf, store = env
    image = _new(db, conf)
    image_data.upload(db, store, conf, image, io.BytesIO(b"abc"), 3)
    with pytest.raises(image_data.ImageNotQueued):
        image_data.upload(db, store, conf, image, io.BytesIO(b"abc"), 3)


def test_formats_must_be_set_first(env):
    db, conf, store = env
    image = image_service.create(db, conf, CTX, {})
    with pytest.raises(exception.Invalid, match="disk_format"):
        image_data.upload(db, store, conf, image, io.BytesIO(b"abc"), 3)


@pytest.mark.parametrize("stream,length,error", [
    (lambda: _Stream(2 << 20), None, image_data.ImageDataTooLarge),
    (lambda: io.BytesIO(b""), 2 << 20, image_data.ImageDataTooLarge),
    (lambda: _Stream(500_000, fail_after=200_000), None, OSError),
    (lambda: io.BytesIO(b"short"), 10, image_data.ImageDataIncomplete),
    (lambda: io.BytesIO(b"QFI\xfb" + b"\0" * 100), None, inspector.ImageFormatError),
])
def test_failed_uploads_leave_the_image_queued_and_nothing_stored(env, stream, length,
                                                                  error):
    db, conf, store = env
    image = _new(db, conf)
    with pytest.raises(error):
        image_data.upload(db, store, conf, image, stream(), length)
    again = image_service.get_visible(db, CTX, image.id)
    assert again.status == "queued" and again.size is None and again.checksum is None
    assert again.locations == []
    assert _stored_files(store) == []


def test_delete_keeps_data_another_image_shares(env):
    db, conf, store = env
    first, second = _new(db, conf), _new(db, conf)
    first = image_data.upload(db, store, conf, first, io.BytesIO(b"same"), 4)
    second = image_data.upload(db, store, conf, second, io.BytesIO(b"same"), 4)
    location = first.locations[0].url
    assert second.locations[0].url == location
    image_service.delete(db, store, first)
    assert store.exists(location)
    image_service.delete(db, store, second)
    assert not store.exists(location)
    with pytest.raises(image_service.ImageNotFound):
        image_service.get_visible(db, CTX, first.id)


def test_deactivated_data_is_for_admins_only(env):
    db, conf, store = env
    image = image_data.upload(db, store, conf, _new(db, conf), io.BytesIO(b"x"), 1)
    image_service.deactivate(db, image)
    image = image_service.get_visible(db, CTX, image.id)
    with pytest.raises(image_data.ImageDataUnavailable):
        image_data.data_location(CTX, image)
    admin = RequestContext(user_id="a", project_id="a", roles=["admin"])
    assert image_data.data_location(admin, image)


def test_image_deleted_during_upload_keeps_no_data(env):
    db, conf, store = env
    image = _new(db, conf)

    class DeletingStream:
        def __init__(self):
            self.calls = 0

        def read(self, n):
            self.calls += 1
            if self.calls == 2:
                image_service.delete(db, store, image_service.get_visible(db, CTX,
                                                                          image.id))
            return b"z" * 1000 if self.calls < 4 else b""

    with pytest.raises(image_data.ImageDeletedDuringUpload):
        image_data.upload(db, store, conf, image, DeletingStream(), None)
    assert _stored_files(store) == []
    with pytest.raises(image_service.ImageNotFound):
        image_service.get_visible(db, CTX, image.id)


def test_data_larger_than_the_buffer_ring_is_stored_and_hashed_exactly(env):
    """More chunks than buffers: each buffer is refilled only once the hashes and
    the store are done with it (a refill too early would corrupt both)."""
    db, conf, store = env
    conf.set_override("image_size_cap", 64 << 20, group="image")
    size = (image_data.BUFFERS + 3) * image_data.CHUNK_SIZE + 12345
    data = os.urandom(size)
    done = image_data.upload(db, store, conf, _new(db, conf), io.BytesIO(data), size)
    assert done.size == size
    assert done.checksum == hashlib.md5(data).hexdigest()
    assert done.os_hash_value == hashlib.sha512(data).hexdigest()
    assert b"".join(store.read(done.locations[0].url)) == data


def test_a_store_write_failing_midway_leaves_queued_and_nothing_stored(env):
    db, conf, store = env
    conf.set_override("image_size_cap", 64 << 20, group="image")
    writers = []

    class FailingWriter:
        def __init__(self, inner):
            self.inner, self.chunks = inner, 0
            writers.append(self)

        def write(self, chunk):
            self.chunks += 1
            if self.chunks == 3:
                raise OSError(28, "No space left on device")
            self.inner.write(chunk)

        def commit(self, content_id):
            return self.inner.commit(content_id)

        def abort(self):
            self.inner.abort()

    real_writer = store.writer
    store.writer = lambda: FailingWriter(real_writer())
    image = _new(db, conf)
    data = os.urandom(12 * image_data.CHUNK_SIZE)
    with pytest.raises(OSError, match="No space"):
        image_data.upload(db, store, conf, image, io.BytesIO(data), len(data))
    assert writers[0].chunks == 3  # nothing written after the failure
    again = image_service.get_visible(db, CTX, image.id)
    assert again.status == "queued" and again.locations == []
    assert _stored_files(store) == []


def test_an_upload_stalled_in_saving_is_taken_over_after_the_timeout(env):
    """A killed API process leaves its image in saving: a new upload is refused
    while the old one may still be alive, and taken over once it is stalled."""
    db, conf, store = env
    conf.set_override("stalled_upload_timeout", 60, group="image")
    image = _new(db, conf)
    with db.writer() as session:  # what the killed upload left behind
        assert image_data.image_db.set_status(session, image.id, ("queued",), "saving")
    with pytest.raises(image_data.ImageNotQueued):
        image_data.upload(db, store, conf, image, io.BytesIO(b"new"), 3)
    long_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=61)
    with db.writer() as session:
        image_data.image_db.set_status(session, image.id, ("saving",), "saving",
                                       updated_at=long_ago)
    done = image_data.upload(db, store, conf, image, io.BytesIO(b"new"), 3)
    assert (done.status, done.os_hash_value) == ("active",
                                                 hashlib.sha512(b"new").hexdigest())


def test_the_store_drops_unfinished_writes_of_a_killed_process(tmp_path):
    store = FilesystemStore(str(tmp_path / "store"))
    old, live = store.writer(), store.writer()
    old.write(b"partial")
    live.write(b"still going")
    stale = time.time() - 120
    os.utime(old._path, (stale, stale))  # not written to for two minutes
    FilesystemStore(str(tmp_path / "store"), stale_after=60)  # the next start
    assert os.listdir(store.staging_dir) == [os.path.basename(live._path)]
    location = live.commit(hashlib.sha512(b"still going").hexdigest())
    assert b"".join(store.read(location)) == b"still going"
