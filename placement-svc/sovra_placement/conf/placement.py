"""[placement] options: how allocation candidates are searched."""

from oslo_config import cfg

from sovra_common.conf import groups

GROUP = cfg.OptGroup("placement", title="Placement options")

OPTS = [
    cfg.IntOpt("max_allocation_candidates", default=1000, min=1,
               help="Most allocation candidates one GET /allocation_candidates builds, "
                    "whatever its limit. Bounds the time and memory a request over "
                    "wide or deep provider trees can take; candidates beyond it are "
                    "not returned."),
    cfg.BoolOpt("randomize_allocation_candidates", default=False,
                help="Build up to max_allocation_candidates candidates and return a "
                     "random sample of them (up to limit), so that concurrent "
                     "schedulers spread their claims. Off: the first candidates found "
                     "are returned and the search stops at limit."),
]


def register_opts(conf):
    groups.register(conf, GROUP, OPTS)


def list_opts():
    return [(GROUP, OPTS)]
