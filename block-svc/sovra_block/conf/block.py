"""[block] options: the API side (scheduling, defaults) and the volume agent."""

import socket

from oslo_config import cfg

from sovra_common.conf import groups

GROUP = cfg.OptGroup("block", title="Block storage service options")

OPTS = [
    cfg.HostnameOpt("host", default=socket.gethostname(), sample_default="<hostname>",
                    help="This storage host's name. A volume agent serves each of "
                         "its backends as <host>@<backend> (its RPC server)."),
    cfg.ListOpt("enabled_backends", default=[],
                help="The backends this volume agent runs; each is an option group "
                     "of its own ([<backend>] volume_driver = file | nbd ...)."),
    cfg.StrOpt("storage_availability_zone", default="nova",
               help="The availability zone of this agent's backends."),
    cfg.StrOpt("default_availability_zone", default=None,
               help="The zone of volumes created without one (default: "
                    "storage_availability_zone)."),
    cfg.StrOpt("default_volume_type", default="__DEFAULT__",
               help="The volume type of volumes created without one (created by "
                    "the first migration if it is __DEFAULT__)."),
    cfg.IntOpt("report_interval", default=10, min=1,
               help="Seconds between a volume agent's capacity reports."),
    cfg.IntOpt("service_down_time", default=60, min=1,
               help="A backend whose last report is older than this many seconds is "
                    "down: the scheduler skips it and os-services shows it down."),
    cfg.StrOpt("image_interface", default="internal",
               help="Catalog interface of the image service."),
    cfg.StrOpt("image_conversion_dir", default="/var/lib/sovra/block/conversion",
               help="Where the volume agent keeps images while it copies them."),
    cfg.IntOpt("transfer_auth_key_length", default=16, min=8,
               help="Characters of a volume transfer's authentication key."),
]

QUOTA_GROUP = cfg.OptGroup("block_quota", title="Default block quotas (-1: unlimited)")

QUOTA_OPTS = [
    cfg.IntOpt("volumes", default=10, min=-1, help="Volumes per project."),
    cfg.IntOpt("snapshots", default=10, min=-1, help="Snapshots per project."),
    cfg.IntOpt("gigabytes", default=1000, min=-1,
               help="GiB of volumes and snapshots per project."),
    cfg.IntOpt("backups", default=10, min=-1, help="Backups per project."),
    cfg.IntOpt("backup_gigabytes", default=1000, min=-1, help="GiB of backups."),
    cfg.IntOpt("per_volume_gigabytes", default=-1, min=-1,
               help="The largest volume a project may create, in GiB."),
    cfg.IntOpt("groups", default=10, min=-1, help="Volume groups per project."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    groups.register(conf, GROUP, OPTS)
    groups.register(conf, QUOTA_GROUP, QUOTA_OPTS)


def list_opts():
    return [(GROUP, OPTS), (QUOTA_GROUP, QUOTA_OPTS)]
