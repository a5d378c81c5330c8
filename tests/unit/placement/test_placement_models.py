from sovra_common.cmd import manage
from sovra_common.db import Database, migration
from sovra_placement.db import DATABASE, models


def test_models_match_migrations():
    db = Database.from_url("sqlite://")
    migration.check_models(db, DATABASE.migrations, models.Base.metadata)
    assert migration.current(db) == migration.heads(DATABASE.migrations)


def test_sovra_manage_syncs_and_checks(tmp_path, capsys):
    config = tmp_path / "placement.conf"
    config.write_text(f"[database]\nconnection = sqlite:///{tmp_path}/p.sqlite\n")
    args = ["--config-file", str(config), "placement", "db"]
    assert manage.main([*args, "sync"], services=[DATABASE]) == 0
    assert manage.main([*args, "check"], services=[DATABASE]) == 0
    assert manage.main([*args, "version"], services=[DATABASE]) == 0
    assert "0001_initial" in capsys.readouterr().out
