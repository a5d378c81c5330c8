"""The image API component (sovra-image-api, sovra-allinone) and the config opts."""

from sovra_common import component
from sovra_image.api import app as image_app
from sovra_image.cmd import api
from sovra_image.conf import opts


def test_component_declares_the_image_api():
    assert isinstance(api.COMPONENT, component.ApiComponent)
    assert (api.COMPONENT.name, api.COMPONENT.config_project,
            api.COMPONENT.default_port) == ("image-api", "sovra-image", 9292)


def test_component_builds_the_app(tmp_path):
    conf = api.COMPONENT.new_conf()
    conf(args=[], project="sovra-image", default_config_files=[])
    conf.set_override("connection", f"sqlite:///{tmp_path / 'i.sqlite'}", group="database")
    conf.set_override("filesystem_store_datadir", str(tmp_path / "store"), group="image")
    app = api.COMPONENT.create_app(conf)
    try:
        rules = {rule.rule for rule in app.url_map.iter_rules()}
        assert {"/", "/v2/images", "/v2/images/<image_id>/file"} <= rules
    finally:
        image_app.close(app)


def test_list_opts_documents_every_group():
    groups = {group.name for group, _ in opts.list_opts()}
    assert groups == {"image", "s3_store"}
