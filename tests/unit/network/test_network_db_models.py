from sovra_common.db import Database, migration
from sovra_network.db import DATABASE, models


def test_network_migrations_match_models():
    db = Database.from_url("sqlite://")
    try:
        migration.upgrade(db, DATABASE.migrations)
        migration.check_models(db, DATABASE.migrations, models.Base.metadata)
    finally:
        db.dispose()
