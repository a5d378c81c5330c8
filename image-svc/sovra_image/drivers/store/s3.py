"""The S3 store: image data as objects of one bucket of any S3-compatible server
(MinIO, Ceph RGW, AWS...), through boto3.

Uploads are S3 multipart uploads of ``part_size`` parts (the writer holds at most
one part in memory): nothing is visible until ``commit`` completes the upload, and
``abort`` aborts it, which discards every part. Objects are named
``<prefix><random uuid>``, not by content: copying a large object to a content key
would cost a second full transfer, so this store does not deduplicate (each image
has its own object; reference counting still applies).

Locations are ``s3://<bucket>/<key>``; a location in another bucket is refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from sovra_image.drivers.store.base import Store, StoreError, StoreWriter

MIN_PART_SIZE = 5 * 1024 * 1024  # S3's minimum for every part but the last


def _client_errors():
    from botocore import exceptions as boto_exc
    return (boto_exc.BotoCoreError, boto_exc.ClientError)


class _S3Writer(StoreWriter):
    def __init__(self, store: S3Store):
        self._store = store
        self._key = f"{store.prefix}{uuid.uuid4()}"
        self._buffer = bytearray()
        self._parts: list[dict] = []
        self._upload_id: str | None = None
        self._done = False

    def write(self, chunk: bytes) -> None:
        self._buffer += chunk
        while len(self._buffer) >= self._store.part_size:
            part = bytes(self._buffer[:self._store.part_size])
            del self._buffer[:self._store.part_size]
            self._upload_part(part)

    def _upload_part(self, data: bytes) -> None:
        client, bucket = self._store.client, self._store.bucket
        try:
            if self._upload_id is None:
                self._upload_id = client.create_multipart_upload(
                    Bucket=bucket, Key=self._key)["UploadId"]
            number = len(self._parts) + 1
            etag = client.upload_part(Bucket=bucket, Key=self._key, PartNumber=number,
                                      UploadId=self._upload_id, Body=data)["ETag"]
        except _client_errors() as exc:
            raise StoreError(f"S3 upload of {self._key} failed: {exc}") from exc
        self._parts.append({"PartNumber": number, "ETag": etag})

    def commit(self, content_id: str) -> str:
        client, bucket = self._store.client, self._store.bucket
        try:
            if self._upload_id is None:  # small: one plain PUT
                client.put_object(Bucket=bucket, Key=self._key, Body=bytes(self._buffer),
                                  Metadata={"sha512": content_id})
            else:
                if self._buffer:
                    self._upload_part(bytes(self._buffer))
                client.complete_multipart_upload(
                    Bucket=bucket, Key=self._key, UploadId=self._upload_id,
                    MultipartUpload={"Parts": self._parts})
        except _client_errors() as exc:
            raise StoreError(f"S3 upload of {self._key} failed: {exc}") from exc
        self._buffer = bytearray()
        self._done = True
        return f"s3://{bucket}/{self._key}"

    def abort(self) -> None:
        if self._done:
            return
        self._done = True
        self._buffer = bytearray()
        if self._upload_id is not None:
            try:
                self._store.client.abort_multipart_upload(
                    Bucket=self._store.bucket, Key=self._key, UploadId=self._upload_id)
            except _client_errors():
                pass  # the bucket's lifecycle rules clean up what an abort could not


class S3Store(Store):
    name = "s3"

    def __init__(self, *, bucket: str, endpoint_url: str | None = None,
                 access_key: str | None = None, secret_key: str | None = None,
                 region_name: str | None = None, prefix: str = "images/",
                 part_size: int = 8 * 1024 * 1024, create_bucket: bool = False,
                 client=None):
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {MIN_PART_SIZE} bytes")
        if client is None:
            import boto3  # optional: only deployments with an S3 store need it
            client = boto3.client("s3", endpoint_url=endpoint_url,
                                  aws_access_key_id=access_key,
                                  aws_secret_access_key=secret_key,
                                  region_name=region_name or "us-east-1")
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.part_size = part_size
        if create_bucket:
            try:
                client.head_bucket(Bucket=bucket)
            except _client_errors():
                client.create_bucket(Bucket=bucket)

    def _key(self, location: str) -> str:
        head = f"s3://{self.bucket}/"
        if not location.startswith(head) or len(location) == len(head):
            raise StoreError(f"not a location of this S3 store: {location!r}")
        return location[len(head):]

    def writer(self) -> StoreWriter:
        return _S3Writer(self)

    def read(self, location, offset=0, length=None, chunk_size=1024 * 1024
             ) -> Iterator[bytes]:
        key = self._key(location)
        args = {"Bucket": self.bucket, "Key": key}
        if offset or length is not None:
            end = "" if length is None else str(offset + length - 1)
            if length == 0:
                return iter(())
            args["Range"] = f"bytes={offset}-{end}"
        try:
            body = self.client.get_object(**args)["Body"]
        except _client_errors() as exc:
            raise StoreError(f"image data missing at {location}: {exc}") from exc
        return self._chunks(body, chunk_size)

    @staticmethod
    def _chunks(body, chunk_size):
        try:
            yield from body.iter_chunks(chunk_size)
        finally:
            body.close()

    def delete(self, location: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(location))
        except _client_errors() as exc:
            raise StoreError(f"deleting {location} failed: {exc}") from exc

    def exists(self, location: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(location))
        except _client_errors():
            return False
        return True
