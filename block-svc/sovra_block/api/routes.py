"""The Block Storage API v3 route table (paths without the project id: see
api/project_path.py)."""

from sovra_block.api.handlers import (
    attachment,
    availability_zone,
    backup,
    block_service,
    limits,
    pool,
    qos_spec,
    quota_set,
    root,
    snapshot,
    transfer,
    volume,
    volume_action,
    volume_type,
)

_V3 = "/v3"
_VOLUME = _V3 + "/volumes/<volume_id>"
_SNAPSHOT = _V3 + "/snapshots/<snapshot_id>"
_ATTACHMENT = _V3 + "/attachments/<attachment_id>"
_TYPE = _V3 + "/types/<volume_type_id>"
_QOS = _V3 + "/qos-specs/<qos_id>"
_QUOTA_SET = _V3 + "/os-quota-sets/<project_id>"

ROUTES = {
    "/": {"GET": root.list_versions},
    _V3: {"GET": root.show_v3},
    _V3 + "/volumes": {"GET": volume.list_volumes, "POST": volume.create_volume},
    _V3 + "/volumes/detail": {"GET": volume.list_volumes_detail},
    _VOLUME: {"GET": volume.show_volume, "PUT": volume.update_volume,
              "DELETE": volume.delete_volume},
    _VOLUME + "/action": {"POST": volume_action.volume_action},
    _VOLUME + "/metadata": {"GET": volume.list_metadata,
                            "POST": volume.create_metadata,
                            "PUT": volume.update_all_metadata},
    _VOLUME + "/metadata/<key>": {"GET": volume.show_metadata_item,
                                  "PUT": volume.update_metadata_item,
                                  "DELETE": volume.delete_metadata_item},
    _V3 + "/snapshots": {"GET": snapshot.list_snapshots,
                         "POST": snapshot.create_snapshot},
    _V3 + "/snapshots/detail": {"GET": snapshot.list_snapshots_detail},
    _SNAPSHOT: {"GET": snapshot.show_snapshot, "PUT": snapshot.update_snapshot,
                "DELETE": snapshot.delete_snapshot},
    _SNAPSHOT + "/action": {"POST": snapshot.snapshot_action},
    _SNAPSHOT + "/metadata": {"GET": snapshot.list_metadata,
                              "POST": snapshot.create_metadata,
                              "PUT": snapshot.update_all_metadata},
    _SNAPSHOT + "/metadata/<key>": {"GET": snapshot.show_metadata_item,
                                    "PUT": snapshot.update_metadata_item,
                                    "DELETE": snapshot.delete_metadata_item},
    _V3 + "/attachments": {"GET": attachment.list_attachments,
                           "POST": attachment.create_attachment},
    _V3 + "/attachments/detail": {"GET": attachment.list_attachments_detail},
    _ATTACHMENT: {"GET": attachment.show_attachment,
                  "PUT": attachment.update_attachment,
                  "DELETE": attachment.delete_attachment},
    _ATTACHMENT + "/action": {"POST": attachment.attachment_action},
    # volume types, their extra specs and access lists
    _V3 + "/types": {"GET": volume_type.list_types, "POST": volume_type.create_type},
    _V3 + "/types/default": {"GET": volume_type.show_default_type},
    _TYPE: {"GET": volume_type.show_type, "PUT": volume_type.update_type,
            "DELETE": volume_type.delete_type},
    _TYPE + "/extra_specs": {"GET": volume_type.list_extra_specs,
                             "POST": volume_type.create_extra_specs},
    _TYPE + "/extra_specs/<key>": {"GET": volume_type.show_extra_spec,
                                   "PUT": volume_type.update_extra_spec,
                                   "DELETE": volume_type.delete_extra_spec},
    _TYPE + "/action": {"POST": volume_type.type_action},
    _TYPE + "/os-volume-type-access": {"GET": volume_type.list_type_access},
    # QoS specs
    _V3 + "/qos-specs": {"GET": qos_spec.list_qos_specs,
                         "POST": qos_spec.create_qos_spec},
    _QOS: {"GET": qos_spec.show_qos_spec, "PUT": qos_spec.update_qos_spec,
           "DELETE": qos_spec.delete_qos_spec},
    _QOS + "/delete_keys": {"PUT": qos_spec.delete_qos_spec_keys},
    _QOS + "/associations": {"GET": qos_spec.list_qos_associations},
    _QOS + "/associate": {"GET": qos_spec.associate_qos_spec},
    _QOS + "/disassociate": {"GET": qos_spec.disassociate_qos_spec},
    _QOS + "/disassociate_all": {"GET": qos_spec.disassociate_all_qos_spec},
    # quotas and limits
    _QUOTA_SET: {"GET": quota_set.show_quota_set, "PUT": quota_set.update_quota_set,
                 "DELETE": quota_set.delete_quota_set},
    _QUOTA_SET + "/defaults": {"GET": quota_set.show_quota_set_defaults},
    _V3 + "/limits": {"GET": limits.show_limits},
    # services, zones and pools
    _V3 + "/os-services": {"GET": block_service.list_services},
    _V3 + "/os-services/<action>": {"PUT": block_service.update_service},
    _V3 + "/os-availability-zone": {"GET": availability_zone.list_availability_zones},
    _V3 + "/scheduler-stats/get_pools": {"GET": pool.list_pools},
    _V3 + "/backups": {"GET": backup.list_backups, "POST": backup.create_backup},
    _V3 + "/backups/detail": {"GET": backup.list_backups_detail},
    _V3 + "/backups/<backup_id>": {"GET": backup.show_backup,
                                   "PUT": backup.update_backup,
                                   "DELETE": backup.delete_backup},
    _V3 + "/backups/<backup_id>/restore": {"POST": backup.restore_backup},
    _V3 + "/backups/<backup_id>/action": {"POST": backup.backup_action},
    _V3 + "/os-volume-transfer": {"GET": transfer.list_transfers,
                                  "POST": transfer.create_transfer},
    _V3 + "/os-volume-transfer/detail": {"GET": transfer.list_transfers_detail},
    _V3 + "/os-volume-transfer/<transfer_id>": {"GET": transfer.show_transfer,
                                                "DELETE": transfer.delete_transfer},
    _V3 + "/os-volume-transfer/<transfer_id>/accept": {
        "POST": transfer.accept_transfer},
}
