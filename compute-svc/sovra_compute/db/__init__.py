"""The compute service's database: models, migrations and its sovra-manage descriptor."""

from sovra_common.db import ServiceDatabase

DATABASE = ServiceDatabase(
    name="compute",
    config_project="sovra-compute",
    migrations="sovra_compute.db:migrations",
    models="sovra_compute.db.models:Base",
    description="the compute service (flavors, key pairs, servers, their actions, "
                "compute services)",
)
