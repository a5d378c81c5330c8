from alembic import context

from example_svc.db import models
from sovra_common.db import migration

migration.run_env(context, models.Base.metadata)
