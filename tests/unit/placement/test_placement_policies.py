from sovra_placement.api import policies
from sovra_placement.api.routes import ROUTES


def test_rule_names_are_unique_and_documented():
    rules = policies.list_rules()
    names = [r.name for r in rules]
    assert len(names) == len(set(names))
    assert all(r.description and r.operations for r in rules)


def test_writes_are_for_admins_and_services():
    for rule in policies.list_rules():
        if any(op["method"] != "GET" for op in rule.operations):
            assert rule.check_str == "rule:admin_or_service_api", rule.name


def test_every_documented_path_is_routed():
    routed = {p.replace("<uuid>", "{uuid}").replace("<name>", "{name}")
              .replace("<consumer_uuid>", "{consumer_uuid}")
              .replace("<resource_class>", "{resource_class}") for p in ROUTES}
    for rule in policies.list_rules():
        for op in rule.operations:
            assert op["path"] in routed, op
