"""The image service's models and migrations agree; sovra-manage can sync them."""

from sovra_common.cmd import manage
from sovra_common.db import Database, migration
from sovra_image.db import DATABASE, models


def test_migrations_match_models(tmp_path):
    db = Database.from_url(f"sqlite:///{tmp_path / 'image.sqlite'}")
    try:
        migration.check_models(db, DATABASE.migrations, models.Base.metadata)
    finally:
        db.dispose()


def test_sovra_manage_syncs_the_image_database(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'image.sqlite'}"
    config = tmp_path / "image.conf"
    config.write_text(f"[database]\nconnection = {url}\n")
    argv = ["--config-file", str(config), "image", "db", "sync"]
    assert manage.main(argv, services=[DATABASE], commands=[]) == 0
    assert "0001_images" in capsys.readouterr().out
    assert manage.main(["--config-file", str(config), "image", "db", "check"],
                       services=[DATABASE], commands=[]) == 0
