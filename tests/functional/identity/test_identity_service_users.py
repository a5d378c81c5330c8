"""Another Sovra service against this identity: registered with sovra-manage
(catalog entry + its own service user), validating users' tokens with
sovra_common's KeystoneTokenValidator over HTTP, as every API's middleware does."""

import uuid

import pytest

from sovra_common import conf as sovra_conf
from sovra_common import exception
from sovra_common.auth.validator import KeystoneTokenValidator


def test_service_user_validates_tokens(identity, tmp_path):
    name = f"svc-{uuid.uuid4().hex[:6]}"
    argv = ["register-service", "--type", f"type-{name}", "--name", name,
            "--public-url", "http://127.0.0.1:9/x", "--user", name, "--password", "svc-pw"]
    assert identity.manage(*argv) == 0
    assert identity.manage(*argv) == 0  # idempotent
    conf_file = tmp_path / "svc.conf"
    conf_file.write_text(
        "[service_auth]\nauth_type = password\n"
        f"auth_url = {identity.auth_url}\nusername = {name}\npassword = svc-pw\n"
        "user_domain_name = Default\nproject_name = service\n"
        "project_domain_name = Default\n"
        "[auth]\nidentity_interface = public\n")
    conf = sovra_conf.new_conf()
    sovra_conf.load(conf, "sovra-test", args=["--config-file", str(conf_file)],
                    config_files=[])
    validator = KeystoneTokenValidator.from_conf(conf)
    try:
        token, _ = identity.token("admin", identity.admin_password, project="admin")
        info = validator.validate(token)
        assert info.project_name == "admin" and "admin" in info.roles
        assert "member" in info.roles  # implied roles are in the token
        with pytest.raises(exception.NotAuthenticated):
            validator.validate("not-a-token")
        assert identity.call("DELETE", "/auth/tokens",
                             headers={"X-Subject-Token": token}).status_code == 204
        with pytest.raises(exception.NotAuthenticated):
            validator.validate(token)
    finally:
        validator.close()
    services = identity.call("GET", f"/services?type=type-{name}").json()["services"]
    assert len(services) == 1
    endpoints = identity.call("GET", f"/endpoints?service_id={services[0]['id']}")
    assert len(endpoints.json()["endpoints"]) == 3
