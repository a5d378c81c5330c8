"""[s3_store] options: the S3-compatible store (enabled with [image] enabled_stores)."""

from oslo_config import cfg

from sovra_common.conf import groups

GROUP = cfg.OptGroup("s3_store", title="S3 image store options")

OPTS = [
    cfg.URIOpt("endpoint_url", schemes=["http", "https"],
               help="URL of the S3-compatible server (MinIO, Ceph RGW...); unset for "
                    "AWS."),
    cfg.StrOpt("bucket", default="sovra-images", help="Bucket holding image data."),
    cfg.StrOpt("access_key", help="Access key id."),
    cfg.StrOpt("secret_key", secret=True, help="Secret access key."),
    cfg.StrOpt("region_name", default="us-east-1", help="Region of the bucket."),
    cfg.StrOpt("prefix", default="images/", help="Key prefix of image objects."),
    cfg.IntOpt("part_size_mib", default=8, min=5,
               help="Multipart upload part size, in MiB (memory held per upload)."),
    cfg.BoolOpt("create_bucket", default=False,
                help="Create the bucket at start-up if it does not exist."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    groups.register(conf, GROUP, OPTS)


def list_opts():
    return [(GROUP, OPTS)]
