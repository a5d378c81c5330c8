"""[compute] options: builds, scheduling, and the node an agent runs."""

import socket

from oslo_config import cfg

from sovra_common.conf import groups

GROUP = cfg.OptGroup("compute", title="Compute service options")

OPTS = [
    cfg.HostnameOpt("host", default=socket.gethostname(), sample_default="<hostname>",
                    help="This compute node's name: the agent's RPC server and its "
                         "placement resource provider."),
    cfg.StrOpt("virt_driver", default="fake", choices=["fake", "libvirt"],
               help="The hypervisor driver the agent runs: libvirt (real guests, "
                    "[libvirt] options) or fake (in memory: tests and simulations)."),
    cfg.IntOpt("max_build_attempts", default=3, min=1,
               help="Hosts a build is tried on before the server goes to ERROR."),
    cfg.IntOpt("build_timeout", default=1200, min=0,
               help="Seconds a server may stay in BUILD without news before the "
                    "conductor settles it: if its host's agent has the guest, it is "
                    "ACTIVE; otherwise it goes to ERROR with a fault and its "
                    "allocations are released (work lost to a bus restart or a dead "
                    "host must not leave servers building forever). 0 disables."),
    cfg.IntOpt("task_timeout", default=600, min=0,
               help="Seconds a server may stay in a task its agent carries out in "
                    "place (deleting; powering-on or -off, rebooting, pausing, "
                    "unpausing, suspending, resuming) without news before the "
                    "conductor acts, so that work lost to a bus restart does not "
                    "leave the server in its task forever: a delete is sent again "
                    "(it is safe to repeat); any other task is cleared and the "
                    "server takes the state its guest reports. On a host whose agent "
                    "went down or restarted since the task began this is done at "
                    "once. 0: only then."),
    cfg.IntOpt("resize_confirm_window", default=0, min=0,
               help="Seconds a resized or migrated server may wait in VERIFY_RESIZE "
                    "before the conductor confirms its move itself, as if its "
                    "user had (upstream's [DEFAULT] resize_confirm_window). 0: "
                    "never; the move waits for its user's confirm or revert."),
    cfg.IntOpt("max_candidates", default=50, min=1,
               help="Allocation candidates asked of placement per scheduling."),
    cfg.BoolOpt("allow_resize_to_same_host", default=True,
                help="Whether a resize may stay on the server's own host: when "
                     "true that host is tried first (the only one with the room "
                     "is fine), else the resize moves the server to another host "
                     "as a cold migration does. Upstream's default is false; "
                     "Sovra's is true so that a single-node cloud can resize."),
    cfg.FloatOpt("cpu_allocation_ratio", default=16.0, min=0.0),
    cfg.FloatOpt("ram_allocation_ratio", default=1.5, min=0.0),
    cfg.FloatOpt("disk_allocation_ratio", default=1.0, min=0.0),
    cfg.IntOpt("reserved_host_cpus", default=0, min=0),
    cfg.IntOpt("reserved_host_memory_mb", default=512, min=0),
    cfg.IntOpt("reserved_host_disk_mb", default=0, min=0),
    cfg.IntOpt("sync_power_state_interval", default=60, min=0,
               help="Seconds between an agent's reports of its guests' power states "
                    "to the conductor (which records them and marks servers whose "
                    "guest stopped by itself as SHUTOFF). 0 disables."),
    cfg.StrOpt("running_deleted_instance_action", default="reap",
               choices=[("reap", "destroy the guest (its files too)"),
                        ("log", "log a warning, leave the guest"),
                        ("noop", "do nothing")],
               help="What the conductor does with a guest an agent reports for a "
                    "server that was deleted (deleted while its host was down: "
                    "the host comes back with the guest), as upstream's [DEFAULT] "
                    "option of that name. Only guests of deleted servers are "
                    "touched; a guest of no server Sovra knows is logged."),
    cfg.StrOpt("placement_interface", default="internal",
               help="Catalog interface of placement, image and block storage "
                    "endpoints."),
    cfg.FloatOpt("volume_create_timeout", default=600, min=1,
                 help="Seconds a volume that a build makes (from an image, or "
                      "blank) may take to become available before the build "
                      "fails."),
    cfg.StrOpt("network_host", sample_default="<[compute] host>",
               help="This node's name as the network agent knows it ([network_agent] "
                    "host there): the binding:host_id of the ports the agent binds. "
                    "Default: [compute] host (both default to the host name)."),
    cfg.IntOpt("vif_plugging_timeout", default=300, min=0,
               help="Seconds a build waits for the network service's "
                    "network-vif-plugged event of each of its ports (through "
                    "os-server-external-events) before the server goes ACTIVE. "
                    "0: do not wait."),
    cfg.BoolOpt("vif_plugging_is_fatal", default=True,
                help="Whether a build whose ports did not all become ACTIVE within "
                     "vif_plugging_timeout fails (the server in ERROR, with a fault "
                     "naming the ports); false: it goes ACTIVE anyway."),
    cfg.BoolOpt("force_config_drive", default=False,
                help="Give every server made from now on a config drive, asked for "
                     "or not (read by the API at create). Without it a server has "
                     "one when its create asks for it (config_drive) or when it has "
                     "no NIC (it cannot reach the metadata service)."),
]

FAKE_GROUP = cfg.OptGroup("fake_driver", title="The fake virt driver (tests, scale)")

FAKE_OPTS = [
    cfg.IntOpt("vcpus", default=8, min=1),
    cfg.IntOpt("memory_mb", default=16384, min=1),
    cfg.IntOpt("local_gb", default=200, min=1),
    cfg.ListOpt("fail_operations", default=[],
                help="Operations (spawn, destroy, reboot, power_on, power_off, pause, "
                     "unpause, suspend, resume) the driver fails, for fault "
                     "injection."),
    cfg.FloatOpt("spawn_delay", default=0.0, min=0.0,
                 help="Seconds spawn takes (simulated)."),
    cfg.FloatOpt("destroy_delay", default=0.0, min=0.0,
                 help="Seconds destroy takes (simulated)."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    groups.register(conf, GROUP, OPTS)
    groups.register(conf, FAKE_GROUP, FAKE_OPTS)


def list_opts():
    return [(GROUP, OPTS), (FAKE_GROUP, FAKE_OPTS)]
