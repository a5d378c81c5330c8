from alembic import context

from sovra_common.db import migration
from sovra_compute.db import models

migration.run_env(context, models.Base.metadata)
