"""[image] options: what images may be, how big, and where their data is kept."""

from oslo_config import cfg

from sovra_common.conf import groups

GROUP = cfg.OptGroup("image", title="Image service options")

DISK_FORMATS = ["ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi",
                "iso", "ploop"]
CONTAINER_FORMATS = ["ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"]

OPTS = [
    cfg.IntOpt("image_size_cap", default=1099511627776, min=1,
               help="Largest image data accepted, in bytes (default 1 TiB). An upload "
                    "that goes past it is refused with 413 and stores nothing."),
    cfg.ListOpt("enabled_stores", default=["file"],
                help="Stores image data may go to: file (the filesystem store) and "
                     "s3 (see [s3_store])."),
    cfg.StrOpt("default_store", default="file",
               help="The store uploads go to unless the request names another."),
    cfg.StrOpt("filesystem_store_datadir", default="/var/lib/sovra/images",
               help="Directory of the filesystem store: image data is kept there, "
                    "named by the SHA-512 of its content."),
    cfg.IntOpt("stalled_upload_timeout", default=600, min=1,
               help="Seconds after which an image left in saving by an upload that "
                    "stopped (its API process was killed) takes a new upload, and "
                    "the filesystem store drops unfinished writes that old when it "
                    "starts. A running upload touches its image every tenth of it."),
    cfg.StrOpt("staging_dir", default="/var/lib/sovra/image-staging",
               help="Where data staged for interoperable import (PUT .../stage) waits "
                    "for its import."),
    cfg.ListOpt("enabled_import_methods",
                default=["glance-direct", "web-download", "copy-image"],
                help="Interoperable import methods offered (glance-direct, "
                     "web-download, copy-image; copy-image only where more than one "
                     "store is enabled)."),
    cfg.ListOpt("web_download_allowed_hosts", default=[],
                help="Host names (or IP addresses) web-download may fetch from; "
                     "anything else is refused. Empty (the default): web-download "
                     "fetches from nowhere, so it cannot be aimed at internal "
                     "addresses. Redirects are not followed."),
    cfg.IntOpt("web_download_timeout", default=60, min=1,
               help="Seconds web-download waits for the remote server (connect and "
                    "between reads)."),
    cfg.ListOpt("disk_formats", default=DISK_FORMATS,
                help="Disk formats an image may declare."),
    cfg.ListOpt("container_formats", default=CONTAINER_FORMATS,
                help="Container formats an image may declare."),
    cfg.IntOpt("limit_param_default", default=25, min=1,
               help="Images per page of a list when the request gives no limit."),
    cfg.IntOpt("api_limit_max", default=1000, min=1,
               help="Most images per page of a list, whatever limit is asked."),
    cfg.IntOpt("image_count_quota", default=-1, min=-1,
               help="Most images a project may own (not counting deleted ones); -1: "
                    "no limit."),
    cfg.IntOpt("image_storage_quota", default=-1, min=-1,
               help="Most bytes of image data a project may store in total; an upload "
                    "that would go past it is refused with 413. -1: no limit."),
    cfg.BoolOpt("use_keystone_limits", default=False,
                help="Read the per-project image quotas from identity's unified limits "
                     "(image_count_total, image_size_total in MiB) for the service "
                     "limits_service_id, with [service_auth] credentials; where "
                     "identity sets none, image_count_quota/image_storage_quota apply."),
    cfg.StrOpt("limits_service_id",
               help="The image service's id in identity's catalog (for unified "
                    "limits)."),
    cfg.StrOpt("limits_region_id", help="Region of the unified limits, if any."),
    cfg.IntOpt("image_tag_quota", default=128, min=0,
               help="Most tags an image may carry."),
    cfg.IntOpt("image_property_quota", default=128, min=0,
               help="Most custom properties an image may carry."),
    cfg.IntOpt("image_member_quota", default=128, min=0,
               help="Most projects an image may be shared with."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    groups.register(conf, GROUP, OPTS)


def list_opts():
    return [(GROUP, OPTS)]
