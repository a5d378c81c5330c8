from sovra_compute.api.policies import (
    aggregate,
    availability_zone,
    compute_service,
    flavor,
    flavor_access,
    hypervisor,
    instance_action,
    keypair,
    migration,
    quota,
    server,
    server_external_event,
    server_group,
    server_interface,
    server_metadata,
    server_password,
    server_tag,
    server_topology,
    simple_tenant_usage,
    volume_attachment,
)


def list_rules():
    return [*server.RULES, *flavor.RULES, *keypair.RULES, *compute_service.RULES,
            *quota.RULES, *hypervisor.RULES, *instance_action.RULES,
            *server_tag.RULES, *server_metadata.RULES, *server_topology.RULES,
            *availability_zone.RULES, *simple_tenant_usage.RULES, *server_group.RULES,
            *volume_attachment.RULES, *server_external_event.RULES,
            *server_interface.RULES, *aggregate.RULES,
            *flavor_access.RULES, *server_password.RULES, *migration.RULES]
