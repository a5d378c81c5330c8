"""The compute service's models and migrations agree; sovra-manage syncs them."""

from sovra_common.cmd import manage
from sovra_common.db import Database, migration
from sovra_compute.db import DATABASE, models


def test_migrations_match_models(tmp_path):
    db = Database.from_url(f"sqlite:///{tmp_path / 'compute.sqlite'}")
    try:
        migration.check_models(db, DATABASE.migrations, models.Base.metadata)
    finally:
        db.dispose()


def test_sovra_manage_syncs_the_compute_database(tmp_path, capsys):
    config = tmp_path / "compute.conf"
    config.write_text(f"[database]\nconnection = sqlite:///{tmp_path / 'c.sqlite'}\n")
    argv = ["--config-file", str(config), "compute", "db", "sync"]
    assert manage.main(argv, services=[DATABASE], commands=[]) == 0
    head, = migration.heads(DATABASE.migrations)
    assert f"upgraded from base to {head}" in capsys.readouterr().out
