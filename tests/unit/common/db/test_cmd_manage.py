"""sovra-manage (sovra_common.cmd.manage) on the example service with SQLite."""

import dataclasses
import importlib.metadata
from pathlib import Path

import pytest
import sqlalchemy as sa

from example_svc.db import DATABASE
from sovra_common.cmd import manage
from sovra_common.db import Database, migration

HEAD = "0003_widget_size_description"


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "example.conf"
    path.write_text(f"[database]\nconnection = sqlite:///{tmp_path / 'example.sqlite'}\n")
    return str(path)


@pytest.fixture
def run(capsys):
    """run(*argv) -> (exit status, stdout, stderr), services injected."""

    def run(*argv, services=(DATABASE,), commands=()):
        status = manage.main(list(argv), services=list(services), commands=list(commands))
        out, err = capsys.readouterr()
        return status, out, err

    return run


def test_help_lists_services_and_explains(run):
    status, out, _ = run("--help")
    assert status == 0
    assert "example" in out and DATABASE.description in out
    assert "db sync" in out and "--config-file" in out
    assert manage.DATABASES_GROUP in out and manage.COMMANDS_GROUP in out


def test_service_and_db_help(run):
    status, out, _ = run("example", "--help")
    assert status == 0 and "db" in out and "sovra-example" in out
    status, out, _ = run("example", "db", "--help")
    assert status == 0
    for action in ("sync", "version", "check"):
        assert action in out
    status, out, _ = run("example", "db", "sync", "--help")
    assert status == 0 and "--revision" in out and "anywhere on the command line" in out


def test_sync_then_version(run, config_file):
    assert run("example", "db", "version", "--config-file", config_file)[:2] == (0, "base\n")
    status, out, err = run("example", "db", "sync", "--config-file", config_file)
    assert (status, err) == (0, "")
    assert out == f"example: database upgraded from base to {HEAD}\n"
    status, out, _ = run("example", "db", "sync", "--config-file", config_file)
    assert out == f"example: database already at {HEAD}\n"
    assert run("example", "db", "version", "--config-file", config_file)[:2] == (
        0, f"{HEAD}\n")


def test_global_options_go_anywhere(run, config_file):
    assert run("--config-file", config_file, "example", "db", "sync")[0] == 0
    assert run("example", "--config-file", config_file, "db", "version")[1] == f"{HEAD}\n"


def test_sync_to_a_revision(run, config_file):
    status, out, _ = run("example", "db", "sync", "--revision", "0001_widgets",
                         "--config-file", config_file)
    assert status == 0 and out.endswith("to 0001_widgets\n")


def test_config_dir(run, config_file, tmp_path):
    conf_dir = tmp_path / "example.conf.d"
    conf_dir.mkdir()
    (conf_dir / "db.conf").write_text(Path(config_file).read_text())
    assert run("example", "db", "sync", "--config-dir", str(conf_dir))[0] == 0


def test_check(run, config_file):
    run("example", "db", "sync", "--revision", "0001_widgets", "--config-file", config_file)
    status, out, err = run("example", "db", "check", "--config-file", config_file)
    assert status == 1
    assert f"schema at 0001_widgets, latest is {HEAD}" in out
    assert "add_table: widget_tags" in out
    assert "add_column: widgets.size" in out and "add_column: widgets.description" in out
    assert err == "sovra-manage: error: example: schema differs from the models " \
                  "(4 differences)\n"
    run("example", "db", "sync", "--config-file", config_file)
    status, out, _ = run("example", "db", "check", "--config-file", config_file)
    assert status == 0 and "matches" in out


def test_check_without_models(run, config_file):
    service = dataclasses.replace(DATABASE, models=None)
    status, _, err = run("example", "db", "check", "--config-file", config_file,
                         services=[service])
    assert status == 1 and "declares no models" in err


def test_no_connection_configured_is_one_clear_line(run, tmp_path):
    empty = tmp_path / "empty.conf"
    empty.write_text("[DEFAULT]\n")
    status, out, err = run("example", "db", "sync", "--config-file", str(empty))
    assert status == 1 and out == ""
    assert err == (f"sovra-manage: error: [database] connection is not set for example "
                   f"(config files read: {empty}; use --config-file)\n")


def test_missing_config_file(run, tmp_path):
    status, _, err = run("example", "db", "sync", "--config-file", str(tmp_path / "no.conf"))
    assert status == 1
    assert err == f"sovra-manage: error: config file not found: {tmp_path / 'no.conf'}\n"


def test_unusable_database_is_one_line_and_debug_adds_the_traceback(run, tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("[database]\nconnection = sqlite:////nonexistent-dir/x/db.sqlite\n")
    status, _, err = run("example", "db", "sync", "--config-file", str(conf))
    assert status == 1
    assert err == "sovra-manage: error: OperationalError: unable to open database file\n"
    status, _, err = run("example", "db", "sync", "--config-file", str(conf), "--debug")
    assert status == 1
    assert "Traceback (most recent call last)" in err
    assert err.endswith("sovra-manage: error: OperationalError: unable to open "
                        "database file\n")


def test_unsupported_backend(run, tmp_path):
    conf = tmp_path / "pg.conf"
    conf.write_text("[database]\nconnection = postgresql://u:p@127.0.0.1/x\n")
    status, _, err = run("example", "db", "version", "--config-file", str(conf))
    assert status == 1 and "bad [database] connection: unsupported database backend" in err


@pytest.mark.parametrize("argv, message", [
    (["nosuch", "db", "sync"], "invalid choice: 'nosuch'"),
    (["example"], "the following arguments are required: COMMAND"),
    (["example", "db"], "the following arguments are required: ACTION"),
    (["example", "db", "downgrade"], "invalid choice: 'downgrade'"),
    (["example", "db", "sync", "--bogus"], "unrecognized arguments: --bogus"),
])
def test_usage_errors_exit_2(run, argv, message):
    status, _, err = run(*argv)
    assert status == 2 and message in err


def test_no_services_registered(run):
    status, _, err = run("identity", "db", "sync", services=[])
    assert status == 1 and "no services are registered" in err
    status, out, _ = run("--help", services=[])
    assert status == 0 and "no services are registered" in out


class Echo(manage.ManageCommand):
    """A command a service could add: `sovra-manage example echo [--upper] WORD`."""

    service = "example"
    name = "echo"
    help = "print a word and the configured connection"

    def add_arguments(self, parser):
        parser.add_argument("word")
        parser.add_argument("--upper", action="store_true")

    def run(self, context, args):
        word = args.word.upper() if args.upper else args.word
        context.print(word, context.conf.database.connection)
        with context.database().reader() as session:
            session.execute(sa.text("SELECT 1"))
        return 3 if word == "THREE" else None


def test_commands_from_services_appear_and_run(run, config_file, tmp_path):
    status, out, _ = run("example", "--help", commands=[Echo()])
    assert status == 0 and "echo" in out and Echo.help in out
    status, out, _ = run("example", "echo", "hi", "--config-file", config_file,
                         commands=[Echo()])
    assert status == 0
    assert out == f"hi sqlite:///{tmp_path / 'example.sqlite'}\n"
    status, _, _ = run("example", "echo", "--upper", "three", "--config-file", config_file,
                       commands=[Echo()])
    assert status == 3


def test_command_errors(run):
    class Failing(Echo):
        def run(self, context, args):
            raise manage.CommandError("the key repository is missing")

    status, _, err = run("example", "echo", "x", commands=[Failing()])
    assert (status, err) == (1, "sovra-manage: error: the key repository is missing\n")


def test_command_for_unknown_service_is_ignored_with_a_warning(run):
    orphan = Echo()
    orphan.service = "nosuch"
    status, out, err = run("--help", commands=[orphan])
    assert status == 0 and "command 'echo' is for service 'nosuch'" in err


def test_duplicate_names_are_errors(run):
    status, _, err = run("--help", services=[DATABASE, DATABASE])
    assert status == 1 and "two services are registered as 'example'" in err
    db_clash = Echo()
    db_clash.name = "db"
    status, _, err = run("--help", commands=[db_clash])
    assert status == 1 and "two example commands are named 'db'" in err


def test_entry_point_discovery(monkeypatch, capsys):
    group = manage.DATABASES_GROUP
    entry_points = [
        importlib.metadata.EntryPoint("example", "example_svc.db:DATABASE", group),
        importlib.metadata.EntryPoint("broken", "no_such_module_xyz:DATABASE", group),
        importlib.metadata.EntryPoint("misnamed", "example_svc.db:DATABASE", group),
        importlib.metadata.EntryPoint("wrongtype", "example_svc.db:ServiceDatabase", group),
    ]

    def fake_entry_points(group):
        return [ep for ep in entry_points if ep.group == group]

    monkeypatch.setattr(manage.importlib_metadata, "entry_points", fake_entry_points)
    assert manage.main(["--help"]) == 0
    out, err = capsys.readouterr()
    assert "example" in out
    assert "cannot load sovra.manage.databases entry point 'broken': " \
           "ModuleNotFoundError: No module named 'no_such_module_xyz'" in err
    assert "entry point 'misnamed' names a service called 'example'" in err
    assert "entry point 'wrongtype'" in err and "not a ServiceDatabase" in err


def test_console_script_is_installed():
    scripts = importlib.metadata.entry_points(group="console_scripts")
    assert any(ep.name == "sovra-manage" and ep.value == "sovra_common.cmd.manage:main"
               for ep in scripts)


def test_synced_database_works_with_the_service_code(run, config_file, tmp_path):
    run("example", "db", "sync", "--config-file", config_file)
    db = Database.from_url(f"sqlite:///{tmp_path / 'example.sqlite'}")
    try:
        assert migration.current(db) == (HEAD,)
        migration.check_models(db, DATABASE.migrations, DATABASE.load_metadata())
    finally:
        db.dispose()
