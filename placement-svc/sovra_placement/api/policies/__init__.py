from sovra_placement.api.policies import (
    aggregate,
    allocation,
    allocation_candidate,
    inventory,
    reshaper,
    resource_class,
    resource_provider,
    trait,
    usage,
)


def list_rules():
    return [
        *resource_provider.RULES,
        *inventory.RULES,
        *aggregate.RULES,
        *usage.RULES,
        *resource_class.RULES,
        *trait.RULES,
        *allocation.RULES,
        *allocation_candidate.RULES,
        *reshaper.RULES,
    ]
