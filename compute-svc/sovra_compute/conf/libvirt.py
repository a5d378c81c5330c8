"""[libvirt] options: the libvirt/QEMU virt driver of a compute node."""

from oslo_config import cfg

from sovra_common.conf import groups

GROUP = cfg.OptGroup("libvirt", title="The libvirt virt driver")

OPTS = [
    cfg.StrOpt("connection_uri", default="qemu:///system",
               help="The libvirt daemon the agent drives."),
    cfg.StrOpt("virt_type", default="auto", choices=["auto", "kvm", "qemu"],
               help="Domain type: kvm (hardware acceleration), qemu (TCG emulation), "
                    "or auto: kvm if a test guest really runs under KVM on this host "
                    "(tried once at agent start: /dev/kvm existing is not enough), "
                    "else qemu."),
    cfg.StrOpt("instances_path", default="/var/lib/sovra/instances",
               help="Where guests' disks, config drives and console logs live, one "
                    "directory per server; its _base/ holds the image cache. Its "
                    "filesystem's size is the node's DISK_GB."),
    cfg.BoolOpt("force_raw_images", default=False,
                help="Convert cached base images to raw (faster reads, more space); "
                     "by default a qcow2 image stays qcow2 under its overlays."),
    cfg.IntOpt("clean_shutdown_timeout", default=60, min=0,
               help="Seconds a guest gets to shut down on an ACPI power-button press "
                    "(stop, soft reboot) before it is switched off."),
    cfg.FloatOpt("volume_detach_timeout", default=30, min=1,
                 help="Seconds a running guest gets to release a volume being "
                      "detached before the detach fails (the volume stays attached)."),
    cfg.StrOpt("machine_type", default="pc",
               help="QEMU machine type of x86_64 guests."),
    cfg.StrOpt("cpu_mode", default="auto",
               choices=["auto", "host-model", "host-passthrough", "none"],
               help="Guest CPU model: auto = host-model under kvm, QEMU's default "
                    "under TCG."),
    cfg.StrOpt("disk_cachemode", default="auto",
               choices=["auto", "none", "writethrough", "writeback"],
               help="Host cache of guest disks: auto = none (O_DIRECT) where "
                    "instances_path supports it, else writethrough."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    groups.register(conf, GROUP, OPTS)


def list_opts():
    return [(GROUP, OPTS)]
