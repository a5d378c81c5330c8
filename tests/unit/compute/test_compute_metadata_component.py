"""compute-metadata: a component of its own, which sovra-allinone finds with the
others (entry point) and which reads compute's config file."""

from importlib import metadata

from sovra_compute.cmd import metadata as metadata_cmd


def test_component_is_declared_for_allinone_and_its_console_script():
    component = metadata_cmd.COMPONENT
    assert (component.name, component.config_project) == ("compute-metadata",
                                                          "sovra-compute")
    found = {ep.name: ep.value for ep in metadata.entry_points(group="sovra.components")}
    assert found["compute-metadata"] == "sovra_compute.cmd.metadata:COMPONENT"
    scripts = {ep.name: ep.value for ep in metadata.entry_points(group="console_scripts")}
    assert scripts["sovra-compute-metadata"] == "sovra_compute.cmd.metadata:main"


def test_it_listens_on_its_own_options_not_the_compute_api_s():
    conf = metadata_cmd.COMPONENT.new_conf()
    conf([], project="sovra", default_config_files=[])
    assert (conf.metadata.bind_host, conf.metadata.bind_port) == ("127.0.0.1", 8775)
    assert conf.metadata.proxy_shared_secret == ""
    assert conf.api.bind_port is None  # compute-api's port is not ours
