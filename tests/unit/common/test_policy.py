"""The enforcer every service builds: the base rules, and an operator's policy file
looked for at most once a second rather than on every check."""

import pytest
from oslo_policy import policy as oslo_policy

from sovra_common import conf as sovra_conf
from sovra_common import context, exception, policy


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def Ctx(*roles, project_id="p1"):
    return context.RequestContext(roles=list(roles), project_id=project_id,
                                  user_id="u1")


@pytest.fixture()
def enforcer(tmp_path, monkeypatch):
    (tmp_path / "svc.conf").write_text("[DEFAULT]\n")
    conf = sovra_conf.new_conf()
    sovra_conf.load(conf, "svc", config_files=[str(tmp_path / "svc.conf")])
    clock = Clock()
    enforcer = policy.build_enforcer(conf, [oslo_policy.RuleDefault(
        "thing:show", policy.PROJECT_READER_OR_ADMIN)])
    monkeypatch.setattr(enforcer, "clock", clock)
    lookups = []
    real = enforcer._get_policy_path

    def counted(path):
        lookups.append(path)
        return real(path)
    monkeypatch.setattr(enforcer, "_get_policy_path", counted)
    enforcer.test_clock, enforcer.test_lookups, enforcer.test_dir = clock, lookups, tmp_path
    return enforcer


def allowed(enforcer, ctx, target=None):
    try:
        policy.authorize(enforcer, "thing:show", target, ctx)
    except exception.PolicyNotAuthorized:
        return False
    return True


def test_the_default_rules_decide():
    conf = sovra_conf.new_conf()
    sovra_conf.load(conf, "svc", config_files=[])
    enforcer = policy.build_enforcer(conf, [oslo_policy.RuleDefault(
        "thing:show", policy.PROJECT_READER_OR_ADMIN)])
    assert allowed(enforcer, Ctx("reader"), {"project_id": "p1"})
    assert not allowed(enforcer, Ctx("reader"), {"project_id": "p2"})
    assert allowed(enforcer, Ctx("admin", "member", "reader"), {"project_id": "p2"})
    with pytest.raises(oslo_policy.PolicyNotRegistered):
        policy.authorize(enforcer, "thing:unknown", None, Ctx("admin"))


def test_policy_files_are_looked_for_once_a_second_not_per_check(enforcer):
    for _ in range(50):
        assert allowed(enforcer, Ctx("reader"), {"project_id": "p1"})
    first = len(enforcer.test_lookups)
    assert first >= 1
    enforcer.test_clock.now += policy.Enforcer.RECHECK_SECONDS
    assert allowed(enforcer, Ctx("reader"), {"project_id": "p1"})
    assert len(enforcer.test_lookups) == 2 * first


def test_an_operators_policy_file_takes_effect_within_a_second(enforcer):
    reader = Ctx("reader")
    assert allowed(enforcer, reader, {"project_id": "p1"})
    (enforcer.test_dir / "policy.yaml").write_text('"thing:show": "role:admin"\n')
    enforcer.test_clock.now += policy.Enforcer.RECHECK_SECONDS
    assert not allowed(enforcer, reader, {"project_id": "p1"})
    (enforcer.test_dir / "policy.yaml").write_text('"thing:show": "role:reader"\n')
    enforcer.test_clock.now += policy.Enforcer.RECHECK_SECONDS
    assert allowed(enforcer, reader, {"project_id": "p2"})  # the file's rule: any project


def test_a_rule_registered_after_checks_is_enforced_at_once(enforcer):
    assert allowed(enforcer, Ctx("reader"), {"project_id": "p1"})
    enforcer.register_default(oslo_policy.RuleDefault("thing:delete", policy.ADMIN))
    with pytest.raises(exception.PolicyNotAuthorized):
        policy.authorize(enforcer, "thing:delete", None, Ctx("reader"))
    policy.authorize(enforcer, "thing:delete", None, Ctx("admin"))
