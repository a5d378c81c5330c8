"""Identity's models and migrations describe the same schema."""

from sovra_common.db import Database, migration
from sovra_identity.db import DATABASE, models


def test_models_match_migrations(tmp_path):
    db = Database.from_url(f"sqlite:///{tmp_path / 'identity.db'}")
    try:
        migration.check_models(db, DATABASE.migrations, models.Base.metadata)
    finally:
        db.dispose()


def test_descriptor_loads_metadata():
    assert DATABASE.load_metadata() is models.Base.metadata
