from sovra_placement import conf as placement_conf
from sovra_placement.cmd import api


def test_defaults():
    conf = api.build_conf([], config_files=[])
    assert api.COMPONENT.default_port == 8778 and conf.api.bind_port is None
    assert api.COMPONENT.name == "placement-api"
    assert conf.placement.max_allocation_candidates == 1000
    assert conf.placement.randomize_allocation_candidates is False


def test_options_are_listed_for_the_sample_config():
    (group, opts), = placement_conf.list_opts()
    assert group.name == "placement"
    assert {o.name for o in opts} == {"max_allocation_candidates",
                                      "randomize_allocation_candidates"}
