"""The block service's migrations build exactly what its models declare."""

from sqlalchemy import select

from sovra_block.db import DATABASE, models
from sovra_common.db import Database, migration


def test_migrations_match_models(tmp_path):
    db = Database.from_url(f"sqlite:///{tmp_path / 'block.db'}")
    try:
        migration.check_models(db, DATABASE.migrations, models.Base.metadata)
        with db.reader() as session:
            names = session.scalars(select(models.VolumeType.name)).all()
        assert names == ["__DEFAULT__"]
    finally:
        db.dispose()
