from sovra_compute.api.policies import (
    compute_service,
    flavor,
    hypervisor,
    keypair,
    quota,
    server,
)


def list_rules():
    return [*server.RULES, *flavor.RULES, *keypair.RULES, *compute_service.RULES,
            *quota.RULES, *hypervisor.RULES]
