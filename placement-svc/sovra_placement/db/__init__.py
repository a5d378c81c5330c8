"""The placement database: models, migrations and its sovra-manage descriptor."""

from sovra_common.db import ServiceDatabase

DATABASE = ServiceDatabase(
    name="placement",
    config_project="sovra-placement",
    migrations="sovra_placement.db:migrations",
    models="sovra_placement.db.models:Base",
    description="placement: resource providers, inventories, allocations",
)
