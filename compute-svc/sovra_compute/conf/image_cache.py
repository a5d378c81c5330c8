"""[image_cache] options: the compute node's cache of base images (upstream's
names and meanings, so that an operator's settings carry over)."""

from oslo_config import cfg

from sovra_common.conf import groups

GROUP = cfg.OptGroup("image_cache", title="The compute node's image cache")

OPTS = [
    cfg.IntOpt("manager_interval", default=2400, min=-1,
               help="Seconds between the agent's runs of the image cache manager, "
                    "which removes the cached base images no server on the node "
                    "uses any longer (see remove_unused_base_images). 0 runs it "
                    "every 60 seconds; -1 never."),
    cfg.BoolOpt("remove_unused_base_images", default=True,
                help="Remove cached base images that no server disk on the node is "
                     "made from, once unused for "
                     "remove_unused_original_minimum_age_seconds. Off: the cache "
                     "only grows."),
    cfg.IntOpt("remove_unused_original_minimum_age_seconds", default=86400, min=0,
               help="Seconds an unused base image stays cached after its last use "
                    "(download, or a server made from it), so that a server deleted "
                    "and booted again from the same image does not download it "
                    "again."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    groups.register(conf, GROUP, OPTS)


def list_opts():
    return [(GROUP, OPTS)]
