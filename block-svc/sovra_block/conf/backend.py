"""[<backend>] options: one group per storage backend, named for the backend.

The volume agent serves the backends its configuration enables (BLOCK-API's
``enabled_backends``); for each one it calls ``register_opts(conf, name)`` before
reading ``conf[name]``. The sample config shows the options under ``[backend]``,
standing for any backend's group.
"""

from oslo_config import cfg

from sovra_common.conf import groups

SAMPLE_GROUP = "backend"

OPTS = [
    cfg.StrOpt("volume_driver", default="file",
               help="The backend's driver: an entry point of the group "
                    "sovra.block.volume_drivers (file, nbd)."),
    cfg.StrOpt("volume_backend_name",
               help="Name the scheduler and volume types' volume_backend_name extra "
                    "spec know the backend by; defaults to the group's name."),
    cfg.StrOpt("file_volume_dir", default="/var/lib/sovra/volumes",
               help="Directory holding the backend's volume and snapshot files. For "
                    "the file driver it stands for storage shared with the compute "
                    "nodes (an NFS mount at the same path on every node)."),
    cfg.StrOpt("default_volume_format", default="raw", choices=["raw", "qcow2"],
               help="File format of volumes whose type names none (extra spec "
                    "volume_format)."),
    cfg.FloatOpt("max_over_subscription_ratio", default=20.0, min=1.0,
                 help="How many times its physical size the backend may provision "
                      "in thin (sparse) volumes."),
    cfg.IntOpt("reserved_percentage", default=0, min=0, max=100,
               help="Share of the backend's space kept free (not offered to the "
                    "scheduler)."),
    cfg.StrOpt("qemu_img_path", default="qemu-img",
               help="The qemu-img program (qemu-utils)."),
    # Network export (nbd driver).
    cfg.StrOpt("nbd_daemon_path", default="qemu-storage-daemon",
               help="The qemu-storage-daemon program (qemu-system-common) that "
                    "serves the backend's NBD exports."),
    cfg.HostAddressOpt("nbd_listen_address", default="127.0.0.1",
                       help="Address the NBD server listens on (the storage "
                            "network's address of this host for multi-node)."),
    cfg.PortOpt("nbd_port", default=10809,
                help="TCP port of the backend's NBD server (one per backend)."),
    cfg.HostAddressOpt("nbd_advertise_host",
                       help="Host compute nodes connect to (connection info); "
                            "defaults to nbd_listen_address, or this host's name "
                            "when that is a wildcard."),
    cfg.StrOpt("nbd_state_dir",
               help="Directory of the daemon's pid file, QMP socket, log and "
                    "export records; defaults to <file_volume_dir>/.nbd."),
    cfg.IntOpt("nbd_max_connections", default=0, min=0,
               help="Most NBD clients at once (0: no limit)."),
]


def register_opts(conf: cfg.ConfigOpts, backend_name: str) -> None:
    """Register the backend options on the group ``backend_name`` of ``conf``
    (once: a second call for the same group is a no-op)."""
    if backend_name in conf and "volume_driver" in conf[backend_name]:
        return
    groups.register(conf, cfg.OptGroup(backend_name,
                                       title=f"Storage backend {backend_name}"), OPTS)


def list_opts():
    return [(cfg.OptGroup(SAMPLE_GROUP, title="Options of each storage backend (the "
                          "group is named for the backend)"), OPTS)]
