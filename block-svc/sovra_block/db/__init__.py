"""The block storage service's database: models, migrations and its sovra-manage
descriptor."""

from sovra_common.db import ServiceDatabase

DATABASE = ServiceDatabase(
    name="block",
    config_project="sovra-block",
    migrations="sovra_block.db:migrations",
    models="sovra_block.db.models:Base",
    description="the block storage service (volumes, snapshots, attachments, volume "
                "types, QoS specs, transfers, quotas, backends)",
)
