"""The app with an injected command table: output formats, -c, exit codes, the one
error line, --debug, and the fast --help listing."""

import io
import json

import pytest
import requests
import yaml
from keystoneauth1 import exceptions as ks_exc

from sovra_common import exception
from sovra_common.cli import app, command, errors, output

ITEMS = [{"id": "1", "name": "alpha", "meta": {"k": "v", "a": 1}, "tags": ["x", "y"]},
         {"id": "2", "name": "beta", "meta": {}, "tags": []}]


class ListThing(command.Lister):
    """List things."""

    def take_action(self, parsed_args):
        return output.listing(ITEMS, [("ID", "id"), ("Name", "name"), ("Meta", "meta"),
                                      ("Tags", "tags")])


class ShowThing(command.ShowOne):
    """Show a thing."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("thing")
        return parser

    def take_action(self, parsed_args):
        return output.show({**ITEMS[0], "links": [{"rel": "self"}]})


def _response(status, body, request_id="req-42"):
    resp = requests.Response()
    resp.status_code = status
    resp._content = json.dumps(body).encode() if not isinstance(body, bytes) else body
    resp.headers["x-openstack-request-id"] = request_id
    resp.headers["Content-Type"] = "application/json"
    return resp


class FailThing(command.Command):
    """Fail in the way asked."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("how")
        return parser

    def take_action(self, parsed_args):
        if parsed_args.how == "http":
            resp = _response(404, {"error": {"code": 404, "message": "No such thing."}})
            raise ks_exc.from_response(resp, "GET", "http://x/things/9")
        if parsed_args.how == "translated":
            resp = _response(409, {"errors": [{"status": 409, "title": "Conflict",
                                               "detail": "Generation mismatch."}]})
            try:
                raise ks_exc.from_response(resp, "PUT", "http://x/rp")
            except ks_exc.HttpError as exc:
                raise exception.Conflict("translated") from exc
        if parsed_args.how == "command":
            raise errors.CommandError("nothing matches 'x'")
        raise RuntimeError("boom\nsecond line")


@pytest.fixture(autouse=True)
def _restore_root_logger():
    """cliff's App configures the root logger (level, a console handler) on each
    run: give the rest of the suite the logger it had."""
    import logging

    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    root.setLevel(level)
    root.handlers[:] = handlers
    logging.getLogger("keystoneauth").setLevel(logging.NOTSET)


TABLE = {"thing list": ListThing, "thing show": ShowThing, "thing fail": FailThing,
         "lazy show": "test_cli_app_output:ShowThing"}


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    sovra = app.SovraApp(TABLE, stdout=out, stderr=err)
    try:
        code = sovra.run(list(argv))
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_json_keeps_structures():
    code, out, _ = run("thing", "list", "-f", "json")
    assert code == 0
    assert json.loads(out) == [{"ID": "1", "Name": "alpha", "Meta": {"k": "v", "a": 1},
                                "Tags": ["x", "y"]},
                               {"ID": "2", "Name": "beta", "Meta": {}, "Tags": []}]


def test_yaml_and_columns():
    code, out, _ = run("thing", "list", "-f", "yaml", "-c", "Name", "-c", "Tags")
    assert code == 0
    assert yaml.safe_load(out) == [{"Name": "alpha", "Tags": ["x", "y"]},
                                   {"Name": "beta", "Tags": []}]


def test_table_flattens_structures_value_and_csv_keep_them():
    _, table, _ = run("thing", "list")
    assert "| ID | Name  | Meta         | Tags |" in table
    assert "| 1  | alpha | a='1', k='v' | x, y |" in table
    _, value, _ = run("thing", "list", "-f", "value", "-c", "Name", "-c", "Tags")
    # as the openstack CLI: value prints the machine-readable form of structures
    assert value.splitlines() == ["alpha ['x', 'y']", "beta []"]
    _, csv, _ = run("thing", "list", "-f", "csv", "-c", "ID", "-c", "Meta")
    assert csv.splitlines() == ['"ID","Meta"', '"1","{\'k\': \'v\', \'a\': 1}"', '"2","{}"']


def test_show_sorts_fields_and_hides_links():
    code, out, _ = run("thing", "show", "x", "-f", "json")
    assert code == 0 and list(json.loads(out)) == ["id", "meta", "name", "tags"]
    _, value, _ = run("lazy", "show", "x", "-f", "value", "-c", "name")
    assert value == "alpha\n"


def test_http_error_is_one_line_with_request_id():
    code, out, err = run("thing", "fail", "http")
    assert code == 1 and out == ""
    assert err == "Error: HTTP 404 Not Found: No such thing. (request id req-42)\n"


def test_translated_error_reaches_the_http_cause():
    code, _, err = run("thing", "fail", "translated")
    assert code == 1
    assert err == "Error: HTTP 409 Conflict: Generation mismatch. (request id req-42)\n"


def test_command_error_and_unexpected_error():
    assert run("thing", "fail", "command")[1:] == ("", "Error: nothing matches 'x'\n")
    code, _, err = run("thing", "fail", "other")
    assert code == 1 and err == "Error: RuntimeError: boom second line\n"


def test_debug_adds_the_traceback():
    code, _, err = run("--debug", "thing", "fail", "other")
    assert code == 1 and "Traceback" in err and err.endswith("boom second line\n")


def test_usage_errors_exit_2(capsys):
    assert run("thing", "show")[0] == 2
    assert run("thing", "list", "-f", "nope")[0] == 2
    assert run("no", "such", "command")[0] == 2


def test_main_returns_exit_codes_and_no_command_is_a_usage_error(capsys):
    assert app.main(["--help"], commands=TABLE) == 0
    assert app.main([], commands=TABLE) == 2
    assert "thing list" in capsys.readouterr().err
    assert app.main(["thing", "show"], commands=TABLE) == 2
    assert app.main(["thing", "fail", "command"], commands=TABLE) == 1


def test_help_lists_commands_without_instantiating_them():
    code, out, _ = run("--help")
    assert code == 0
    assert "--os-cloud" in out and "--no-token-cache" in out
    lines = [line.split() for line in out.split("Commands")[1].splitlines()[1:]]
    assert ["thing", "list", "List", "things."] in lines
    assert ["lazy", "show", "Show", "a", "thing."] in lines


@pytest.mark.parametrize("body, message", [
    ({"error": {"code": 403, "message": "Policy forbids it.", "title": "Forbidden"}},
     "Policy forbids it."),
    ({"errors": [{"status": 403, "detail": "Access denied.", "title": "Forbidden"}]},
     "Access denied."),
    ({"forbidden": {"code": 403, "message": "Nova says no."}}, "Nova says no."),
    (b"403 Forbidden\n\nAccess was denied to this resource.", "403 Forbidden"),
])
def test_error_line_body_shapes(body, message):
    exc = ks_exc.from_response(_response(403, body, request_id="req-7"), "GET", "http://x")
    assert errors.error_line(exc) == f"Error: HTTP 403 Forbidden: {message} (request id req-7)"


def test_error_line_connection_refused():
    exc = ks_exc.ConnectFailure(
        "Unable to establish connection to http://127.0.0.1:9/v3/auth/tokens: "
        "HTTPConnectionPool(host='127.0.0.1', port=9): Max retries exceeded "
        "(Caused by NewConnectionError('...: [Errno 111] Connection refused'))")
    assert errors.error_line(exc) == ("Error: Unable to establish connection to "
                                      "http://127.0.0.1:9/v3/auth/tokens (Connection refused)")


def test_cells():
    assert output.cell({"b": [1, 2], "a": None}).human_readable() == "a='', b='1, 2'"
    assert output.cell(["x", {"k": 1}]).human_readable() == "x, k='1'"
    assert output.cell(3) == 3
    assert output.listing([{"a": {"b": 5}}], [("B", "a.b"), ("C", "a.c")]) == \
        (("B", "C"), [(5, None)])


def test_commands_come_from_entry_points_unimported(monkeypatch):
    from importlib import metadata

    eps = [metadata.EntryPoint("thing_list", "test_cli_app_output:ListThing", app.ENTRY_POINTS),
           metadata.EntryPoint("broken_thing", "no_such_module_xyz:Nope", app.ENTRY_POINTS)]
    monkeypatch.setattr(app, "entry_points",
                        lambda group: [e for e in eps if e.group == group])
    table = app.CommandTable()
    assert set(dict(iter(table))) == {"thing list", "broken thing"}
    out, err = io.StringIO(), io.StringIO()
    assert app.SovraApp(None, stdout=out, stderr=err).run(["thing", "list", "-f", "json"]) == 0
    assert json.loads(out.getvalue())[0]["Name"] == "alpha"
    assert app.main(["--help"]) == 0   # a broken plugin is listed, not fatal


def test_entry_points_found_as_importlib_finds_them():
    from importlib import metadata

    for group in (app.ENTRY_POINTS, "console_scripts"):
        assert {(e.name, e.value) for e in app.entry_points(group)} == \
            {(e.name, e.value) for e in metadata.entry_points(group=group)}


class DeleteThings(command.Command):
    """Delete things."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("names", nargs="+")
        return parser

    def take_action(self, parsed_args):
        def delete(name):
            if name.startswith("bad"):
                raise errors.CommandError(f"no thing {name}")
            self.app.stdout.write(f"deleted {name}\n")

        command.for_each(self, parsed_args.names, delete, "thing")


def test_delete_several_keeps_going_and_summarises():
    TABLE["thing delete"] = DeleteThings
    code, out, err = run("thing", "delete", "a", "bad1", "b")
    assert code == 1 and out == "deleted a\ndeleted b\n"
    assert err == "bad1: Error: no thing bad1\nError: 1 of 3 things failed\n"
    assert run("thing", "delete", "bad2")[1:] == ("", "Error: no thing bad2\n")
