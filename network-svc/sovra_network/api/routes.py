"""The Networking API v2.0 route table."""

from sovra_network.api.handlers import extension, network, root, tag

_V2 = "/v2.0"
_TAGS = _V2 + "/<collection>/<resource_id>/tags"

ROUTES = {
    "/": {"GET": root.list_versions},
    _V2: {"GET": root.show_v2},
    _V2 + "/extensions": {"GET": extension.list_extensions},
    _V2 + "/extensions/<alias>": {"GET": extension.show_extension},
    _V2 + "/networks": {"GET": network.list_networks, "POST": network.create_network},
    _V2 + "/networks/<network_id>": {"GET": network.show_network,
                                     "PUT": network.update_network,
                                     "DELETE": network.delete_network},
    _TAGS: {"GET": tag.list_tags, "PUT": tag.replace_tags, "DELETE": tag.delete_tags},
    _TAGS + "/<tag>": {"GET": tag.check_tag, "PUT": tag.add_tag,
                       "DELETE": tag.delete_tag},
}
