from alembic import context

from sovra_block.db import models
from sovra_common.db import migration

migration.run_env(context, models.Base.metadata)
