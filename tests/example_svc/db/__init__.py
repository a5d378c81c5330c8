"""The example service's database: models, migrations and its sovra-manage descriptor."""

from sovra_common.db import ServiceDatabase

DATABASE = ServiceDatabase(
    name="example",
    config_project="sovra-example",
    migrations="example_svc.db:migrations",
    models="example_svc.db.models:Base",
    description="the example service used by the common layer's tests",
)
