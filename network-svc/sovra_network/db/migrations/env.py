from alembic import context

from sovra_common.db import migration
from sovra_network.db import models

migration.run_env(context, models.Base.metadata)
