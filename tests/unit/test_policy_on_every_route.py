"""Every non-public handler of every service checks policy.

The app fails at run time any request whose handler returned without a policy check;
this test catches the same bug before any request is made, for routes no test calls
yet. A handler passes when its own body calls ``<something>.authorize(...)``, or
calls a function of its own module that does, or dispatches through a table of its
module whose every function does (``_ACTIONS[name](...)``; one level: keep checks
visible).
"""

import ast
import importlib
import inspect

import pytest

from sovra_common.wsgi import routes

SERVICES = ["sovra_identity", "sovra_placement", "sovra_image", "sovra_compute",
            "sovra_network", "sovra_block", "example_svc"]


def _route_tables():
    for package in SERVICES:
        try:
            module = importlib.import_module(f"{package}.api.routes")
        except ModuleNotFoundError as exc:
            if exc.name in (f"{package}.api", f"{package}.api.routes"):
                continue  # service not built yet
            raise
        yield package, module.ROUTES


def _calls(func) -> set[str]:
    tree = ast.parse(inspect.getsource(func).lstrip())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                names.add("." + node.func.attr)
            elif isinstance(node.func, ast.Name):
                names.add(node.func.id)
    return names


def _names(func) -> set[str]:
    tree = ast.parse(inspect.getsource(func).lstrip())
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def _authorizes(func) -> bool:
    return inspect.isfunction(func) and ".authorize" in _calls(func)


def _checks_policy(handler) -> bool:
    calls = _calls(handler)
    if ".authorize" in calls:
        return True
    module = inspect.getmodule(handler)
    if any(_authorizes(getattr(module, name, None)) for name in calls):
        return True
    for name in _names(handler):
        table = getattr(module, name, None)
        if isinstance(table, dict) and table and all(map(_authorizes, table.values())):
            return True
    return False


CASES = [(package, path, method, handler)
         for package, table in _route_tables()
         for path, methods in table.items()
         for method, handler in methods.items()]


def test_there_are_routes_to_check():
    assert any(package == "example_svc" for package, *_ in CASES)


@pytest.mark.parametrize("package,path,method,handler", CASES,
                         ids=[f"{p}:{m} {u}" for p, u, m, _ in CASES])
def test_handler_checks_policy(package, path, method, handler):
    if routes.is_public(handler):
        return
    assert _checks_policy(handler), (
        f"{package} {method} {path}: {handler.__module__}.{handler.__name__} does not "
        "call req.authorize(...)")


def test_the_check_catches_a_handler_without_policy():
    def leaky(req):
        return req.state
    assert not _checks_policy(leaky)
