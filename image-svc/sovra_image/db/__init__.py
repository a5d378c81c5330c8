"""The image service's database: models, migrations and its sovra-manage descriptor."""

from sovra_common.db import ServiceDatabase

DATABASE = ServiceDatabase(
    name="image",
    config_project="sovra-image",
    migrations="sovra_image.db:migrations",
    models="sovra_image.db.models:Base",
    description="the image service (images, their properties, tags, members, locations)",
)
