"""The network service's database: models, migrations and its sovra-manage descriptor."""

from sovra_common.db import ServiceDatabase

DATABASE = ServiceDatabase(
    name="network",
    config_project="sovra-network",
    migrations="sovra_network.db:migrations",
    models="sovra_network.db.models:Base",
    description="the network service (networks, subnets, ports, IP allocations, "
                "security groups, quotas, routers, floating IPs)",
)
