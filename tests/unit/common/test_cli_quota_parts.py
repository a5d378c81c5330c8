"""``sovra quota``'s parts (the ``sovra.quota.parts`` entry points): each names
only resources its service's quota API has, and no two parts share a resource
name (each is one ``sovra quota set`` option)."""

from sovra_block.service import quota as block_quota
from sovra_common.cli import quota
from sovra_compute.service import quota as compute_quota
from sovra_network.service import quota as network_quota

API_RESOURCES = {
    "block-storage": set(block_quota.RESOURCES),
    "compute": set(compute_quota.RESOURCES),
    "network": set(network_quota.resources()),
}


def test_every_service_with_quotas_has_a_part():
    assert [service for service, _ in quota.parts()] == sorted(API_RESOURCES)


def test_parts_name_only_resources_their_api_has():
    for service, part in quota.parts():
        keys = {key for key, _what in part.RESOURCES.values()}
        assert keys <= API_RESOURCES[service], (service, keys - API_RESOURCES[service])
        assert all(what for _key, what in part.RESOURCES.values()), service
        assert callable(part.get) and callable(part.update)


def test_resource_names_are_unique_options():
    names = [name for _service, part in quota.parts() for name in part.RESOURCES]
    assert len(names) == len(set(names))
    assert all(name == name.lower() and " " not in name for name in names)
