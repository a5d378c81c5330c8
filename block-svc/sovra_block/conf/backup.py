"""[backup] and [backup_s3] options: where volume backups go and how they are cut."""

from oslo_config import cfg

from sovra_common.conf import groups

GROUP = cfg.OptGroup("backup", title="Volume backup options")
S3_GROUP = cfg.OptGroup("backup_s3", title="S3-compatible backup store options")

OPTS = [
    cfg.StrOpt("backup_store", default="filesystem",
               help="Where backups are kept: an entry point of the group "
                    "sovra.block.backup_stores (filesystem, s3)."),
    cfg.IntOpt("chunk_size_mib", default=32, min=1, max=1024,
               help="Size of the chunks a volume is cut into; an incremental backup "
                    "stores the chunks whose sha256 changed since its parent, and "
                    "keeps its parent's chunk size. A backup holds up to two chunks "
                    "per worker in memory (at most 4 workers)."),
    cfg.StrOpt("compression", default="zlib", choices=["none", "zlib"],
               help="Compression of stored chunks."),
    cfg.StrOpt("file_backup_dir", default="/var/lib/sovra/backups",
               help="Directory of the filesystem store (an NFS mount or another "
                    "disk than the volumes', for backups to be worth the name)."),
]

S3_OPTS = [
    cfg.URIOpt("endpoint_url", schemes=["http", "https"],
               help="URL of the S3-compatible server (MinIO, Ceph RGW...); unset for "
                    "AWS."),
    cfg.StrOpt("bucket", default="sovra-backups", help="Bucket holding backups."),
    cfg.StrOpt("access_key", help="Access key id."),
    cfg.StrOpt("secret_key", secret=True, help="Secret access key."),
    cfg.StrOpt("region_name", default="us-east-1", help="Region of the bucket."),
    cfg.StrOpt("prefix", default="backups/", help="Key prefix of backup objects."),
    cfg.BoolOpt("create_bucket", default=False,
                help="Create the bucket at start-up if it does not exist."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    groups.register(conf, GROUP, OPTS)
    groups.register(conf, S3_GROUP, S3_OPTS)


def list_opts():
    return [(GROUP, OPTS), (S3_GROUP, S3_OPTS)]
