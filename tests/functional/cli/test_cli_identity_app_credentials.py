"""``sovra application credential create|list|show|delete`` and ``sovra user password
set``, as a plain (non-admin) user, run as the installed ``sovra`` console script
against the CLI cloud; then ``sovra`` authenticated by an application credential
(OS_AUTH_TYPE=v3applicationcredential) lists something, and stops being let in once
it is deleted."""

import subprocess

import cli_services
import pytest
from cli_output import error_line

PASSWORD = "cli-ac-pw-1"


@pytest.fixture(scope="module")
def sv(cloud):
    with cli_services.started(cloud) as services:
        project = services.json("project", "create", "cli-ac")
        services.sovra("user", "create", "cli-ac", "--password", PASSWORD, "--project",
                       "cli-ac")
        services.sovra("role", "add", "member", "--user", "cli-ac", "--project", "cli-ac")
        services.project_id = project["id"]
        try:
            yield services
        finally:
            services.sovra("user", "delete", "cli-ac", expect=None)
            services.sovra("project", "delete", "cli-ac", expect=None)


def _run(sv, *args, expect=0, **env):
    """``sovra`` as ``env`` says (no clouds.yaml entry), with this module's cache."""
    done = subprocess.run([str(cli_services.SOVRA), *args], capture_output=True,
                          text=True, timeout=120, env=sv.env(**env), check=False)
    if expect is not None:
        assert done.returncode == expect, f"{args} -> {done.returncode}\n{done.stderr}"
    return done


def _as_user(sv, *args, password=PASSWORD, expect=0):
    return _run(sv, *args, expect=expect, OS_AUTH_URL=sv.cloud.auth_url,
                OS_USERNAME="cli-ac", OS_PASSWORD=password, OS_PROJECT_NAME="cli-ac",
                OS_USER_DOMAIN_ID="default", OS_PROJECT_DOMAIN_ID="default")


def _with_app_cred(sv, cred_id, secret, *args, expect=0):
    return _run(sv, "--no-token-cache", *args, expect=expect,
                OS_AUTH_TYPE="v3applicationcredential", OS_AUTH_URL=sv.cloud.auth_url,
                OS_APPLICATION_CREDENTIAL_ID=cred_id,
                OS_APPLICATION_CREDENTIAL_SECRET=secret)


def test_application_credential_lifecycle_and_login(sv):
    import json

    created = json.loads(_as_user(
        sv, "application", "credential", "create", "cli-ac1", "--secret",
        "cli-ac-secret", "--expiration", "2099-01-31T12:00:00", "--description",
        "for a script", "-f", "json").stdout)
    # every role the login holds (member and the reader it implies) unless --role
    assert (created["name"], created["secret"], sorted(created["roles"].split()),
            created["project_id"], created["unrestricted"]) == \
        ("cli-ac1", "cli-ac-secret", ["member", "reader"], sv.project_id, False)
    assert created["expires_at"].startswith("2099-01-31T12:00:00")
    generated = json.loads(_as_user(sv, "application", "credential", "create", "cli-ac2",
                                    "--role", "member", "-f", "json").stdout)
    assert len(generated["secret"]) >= 16 and generated["expires_at"] is None
    assert generated["roles"] == "member"
    # the secret is shown once: show and list never have it
    shown = json.loads(_as_user(sv, "application", "credential", "show", "cli-ac1",
                                "-f", "json").stdout)
    assert shown["id"] == created["id"] and "secret" not in shown
    listed = json.loads(_as_user(sv, "application", "credential", "list",
                                 "-f", "json").stdout)
    assert [(c["Name"], c["Project ID"]) for c in listed] == \
        [("cli-ac1", sv.project_id), ("cli-ac2", sv.project_id)]
    table = _as_user(sv, "application", "credential", "list").stdout
    assert "| ID" in table and "| Expires At" in table and "cli-ac2" in table
    # an admin sees them with --user
    assert [c["Name"] for c in sv.json("application", "credential", "list", "--user",
                                       "cli-ac")] == ["cli-ac1", "cli-ac2"]

    # sovra authenticated by the application credential: its project, its roles
    token = json.loads(_with_app_cred(sv, created["id"], "cli-ac-secret", "token",
                                      "issue", "-f", "json").stdout)
    assert token["project_id"] == sv.project_id
    _with_app_cred(sv, created["id"], "cli-ac-secret", "image", "list", "-f", "json")
    assert json.loads(_with_app_cred(
        sv, generated["id"], generated["secret"], "project", "list", "--my-projects",
        "-f", "json").stdout) == [{"ID": sv.project_id, "Name": "cli-ac"}]
    # a restricted one may not make more
    denied = _with_app_cred(sv, created["id"], "cli-ac-secret", "application",
                            "credential", "create", "cli-ac3", expect=1)
    assert error_line(denied).startswith("Error: HTTP 403 Forbidden: ")
    wrong = _with_app_cred(sv, created["id"], "not-the-secret", "token", "issue",
                           expect=1)
    assert error_line(wrong).startswith("Error: HTTP 401 Unauthorized: ")

    # errors: a role the user lacks (403), a bad expiration (usage), a duplicate (409)
    assert error_line(_as_user(sv, "application", "credential", "create", "cli-acx",
                               "--role", "admin", expect=1)).startswith(
        "Error: HTTP 403 Forbidden: ")
    assert "usage:" in _as_user(sv, "application", "credential", "create", "cli-acx",
                                "--expiration", "next tuesday", expect=2).stderr
    assert error_line(_as_user(sv, "application", "credential", "create", "cli-ac1",
                               expect=1)).startswith("Error: HTTP 409 Conflict: ")

    # deleted: its logins fail
    _as_user(sv, "application", "credential", "delete", "cli-ac1", generated["id"])
    gone = _with_app_cred(sv, created["id"], "cli-ac-secret", "token", "issue", expect=1)
    assert error_line(gone).startswith(("Error: HTTP 401 Unauthorized: ",
                                        "Error: HTTP 404 Not Found: "))
    assert _as_user(sv, "application", "credential", "list", "-f", "value").stdout == ""
    assert error_line(_as_user(sv, "application", "credential", "show", "cli-ac1",
                               expect=1)) == \
        "Error: No application credential with a name or id of 'cli-ac1'."


def test_user_password_set(sv):
    wrong = _as_user(sv, "user", "password", "set", "--original-password", "not-it",
                     "--password", "cli-ac-pw-2", expect=1)
    assert error_line(wrong).startswith("Error: HTTP 401 Unauthorized: ")
    _as_user(sv, "user", "password", "set", "--original-password", PASSWORD,
             "--password", "cli-ac-pw-2")
    old = _as_user(sv, "--no-token-cache", "token", "issue", expect=1)
    assert error_line(old).startswith("Error: HTTP 401 Unauthorized: ")
    assert _as_user(sv, "--no-token-cache", "token", "issue", "-f", "value", "-c",
                    "project_id", password="cli-ac-pw-2").stdout.strip() == sv.project_id
    # prompted for when not given (stdin without a terminal), and checked twice
    done = subprocess.run(
        [str(cli_services.SOVRA), "--no-token-cache", "user", "password", "set"],
        input="cli-ac-pw-2\nnew-one-3\nnew-other-3\n", capture_output=True, text=True,
        timeout=120, check=False,
        env=sv.env(OS_AUTH_URL=sv.cloud.auth_url, OS_USERNAME="cli-ac",
                   OS_PASSWORD="cli-ac-pw-2", OS_PROJECT_NAME="cli-ac",
                   OS_USER_DOMAIN_ID="default", OS_PROJECT_DOMAIN_ID="default"))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == "Error: the passwords do not match"
