"""The S3 backup store: objects of one bucket of an S3-compatible server (MinIO,
Ceph RGW, AWS...), ``[backup_s3]`` options, through boto3 (imported only when this
store is configured).

An object ``a/b/c`` is the key ``<prefix>a/b/c``. A PUT is atomic on every S3
server (readers see the old object, the new one, or none), so objects are written
in one request: chunks are at most ``[backup] chunk_size_mib`` (1 GiB), well under
S3's 5 GiB limit for one PUT.
"""

from __future__ import annotations

from sovra_block.backup import base


def _client_errors():
    from botocore import exceptions as boto_exc
    return (boto_exc.BotoCoreError, boto_exc.ClientError)


def _missing(exc) -> bool:
    code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
    return code in ("NoSuchKey", "404", "NotFound")


class S3BackupStore(base.BackupStore):
    name = "s3"

    def __init__(self, *, bucket: str, endpoint_url: str | None = None,
                 access_key: str | None = None, secret_key: str | None = None,
                 region_name: str | None = None, prefix: str = "backups/",
                 create_bucket: bool = False, client=None):
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        if client is None:
            try:
                import boto3  # optional: only agents with an S3 backup store need it
            except ImportError as exc:
                raise base.BackupStoreError(
                    "[backup] backup_store = s3 needs boto3, which is not "
                    "installed") from exc
            client = boto3.client("s3", endpoint_url=endpoint_url,
                                  aws_access_key_id=access_key,
                                  aws_secret_access_key=secret_key,
                                  region_name=region_name or "us-east-1")
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint_url = endpoint_url
        self.create_bucket = create_bucket
        self._ready = False

    @classmethod
    def from_conf(cls, conf) -> S3BackupStore:
        opts = conf.backup_s3
        return cls(bucket=opts.bucket, endpoint_url=opts.endpoint_url,
                   access_key=opts.access_key, secret_key=opts.secret_key,
                   region_name=opts.region_name, prefix=opts.prefix or "",
                   create_bucket=opts.create_bucket)

    def describe(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"S3 bucket {self.bucket}{where}"

    def _key(self, name: str) -> str:
        try:
            return self.prefix + base.check_name(name)
        except ValueError as exc:
            raise base.BackupStoreError(str(exc)) from exc

    def setup(self) -> None:
        if self._ready:
            return
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except _client_errors() as exc:
            if not (self.create_bucket and _missing(exc)):
                raise base.BackupStoreError(
                    f"{self.describe()} is not usable: {exc}") from exc
            try:
                self.client.create_bucket(Bucket=self.bucket)
            except _client_errors() as exc2:
                raise base.BackupStoreError(
                    f"cannot create {self.describe()}: {exc2}") from exc2
        self._ready = True

    def put_object(self, name: str, data: bytes) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(name), Body=data)
        except _client_errors() as exc:
            raise base.BackupStoreError(
                f"cannot write backup object {name} to {self.describe()}: {exc}"
            ) from exc

    def get_object(self, name: str) -> bytes:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(name))["Body"]
            try:
                return body.read()
            finally:
                body.close()
        except _client_errors() as exc:
            if _missing(exc):
                raise base.BackupObjectNotFound(
                    f"backup object {name} not found in {self.describe()}") from exc
            raise base.BackupStoreError(
                f"cannot read backup object {name} from {self.describe()}: {exc}"
            ) from exc

    def delete_object(self, name: str) -> None:
        try:  # S3 answers a DELETE of a missing key with success
            self.client.delete_object(Bucket=self.bucket, Key=self._key(name))
        except _client_errors() as exc:
            raise base.BackupStoreError(
                f"cannot delete backup object {name} from {self.describe()}: {exc}"
            ) from exc

    def list_objects(self, prefix: str) -> list[str]:
        names = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix + prefix)
            for page in pages:
                names.extend(obj["Key"][len(self.prefix):]
                             for obj in page.get("Contents", []))
        except _client_errors() as exc:
            raise base.BackupStoreError(
                f"cannot list {prefix!r} in {self.describe()}: {exc}") from exc
        return sorted(names)
