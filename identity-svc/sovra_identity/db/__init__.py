"""Identity's database, as sovra-manage finds it (entry point
``sovra.manage.databases: identity = sovra_identity.db:DATABASE``)."""

from sovra_common.db import ServiceDatabase

DATABASE = ServiceDatabase(
    name="identity",
    config_project="sovra-identity",
    migrations="sovra_identity.db:migrations",
    models="sovra_identity.db.models:Base",
    description="the identity service (users, projects, roles, catalog)",
)
