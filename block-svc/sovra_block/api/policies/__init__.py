"""The block storage service's policy rules (Cinder's names; overridable per
deployment)."""

from sovra_block.api.policies import (
    attachment,
    availability_zone,
    backup,
    block_service,
    limits,
    pool,
    qos_spec,
    quota_set,
    snapshot,
    transfer,
    volume,
    volume_action,
    volume_type,
)


def list_rules():
    return [*volume.RULES, *volume_action.RULES, *snapshot.RULES, *attachment.RULES,
            *volume_type.RULES, *qos_spec.RULES, *quota_set.RULES, *limits.RULES,
            *block_service.RULES, *availability_zone.RULES, *pool.RULES,
            *transfer.RULES, *backup.RULES]
