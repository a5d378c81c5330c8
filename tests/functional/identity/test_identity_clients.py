"""Identity through the clients people use: keystoneauth1, openstacksdk and the
openstack CLI."""

import json
import os
import subprocess
import sys
import uuid

import openstack
import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3


def _password(identity, **scope):
    return v3.Password(auth_url=identity.auth_url, username="admin",
                       password=identity.admin_password, user_domain_name="Default", **scope)


def test_keystoneauth_project_and_system_scope(identity):
    sess = ks_session.Session(auth=_password(identity, project_name="admin",
                                             project_domain_name="Default"))
    access = sess.auth.get_access(sess)
    assert access.project_name == "admin" and "admin" in access.role_names
    assert sess.get_endpoint(service_type="identity", interface="public") \
        .rstrip("/").endswith("/v3")
    resp = sess.get("/projects", endpoint_filter={"service_type": "identity",
                                                  "interface": "public"})
    assert "admin" in {p["name"] for p in resp.json()["projects"]}

    system = ks_session.Session(auth=_password(identity, system_scope="all"))
    access = system.auth.get_access(system)
    assert access.system_scoped and "admin" in access.role_names
    resp = system.get("/users", endpoint_filter={"service_type": "identity"})
    assert "admin" in {u["name"] for u in resp.json()["users"]}


# openstacksdk warns about its own internals (InfluxDB on every connect(),
# _compute_attributes on every resource): nothing Sovra can act on.
@pytest.mark.filterwarnings("ignore::openstack.warnings._RemovedInSDKWarning")
def test_openstacksdk(identity):
    conn = openstack.connect(auth_url=identity.auth_url, username="admin",
                             password=identity.admin_password, project_name="admin",
                             user_domain_name="Default", project_domain_name="Default",
                             region_name="RegionOne")
    try:
        name = f"sdk-{uuid.uuid4().hex[:6]}"
        created = conn.identity.create_project(name=name, domain_id="default",
                                               description="from the sdk")
        assert created.id and created.name == name
        assert name in {p.name for p in conn.identity.projects()}
        assert conn.identity.get_project(created.id).description == "from the sdk"
        user = conn.identity.create_user(name=f"u-{name}", password="pw-123456",
                                         default_project_id=created.id)
        member = conn.identity.find_role("member")
        conn.identity.assign_project_role_to_user(created, user, member)
        assert conn.identity.validate_user_has_project_role(created, user, member)
        assert {r.name for r in conn.identity.roles()} >= {"admin", "member", "reader"}
        assert "identity" in {s.type for s in conn.identity.services()}
        assert len(list(conn.identity.endpoints())) == 3
        assert "RegionOne" in {r.id for r in conn.identity.regions()}
        conn.identity.delete_user(user)
        conn.identity.delete_project(created)
        assert name not in {p.name for p in conn.identity.projects()}
    finally:
        conn.close()


def _cli_session(identity, commands, **auth):
    """Run ``commands`` in ONE `openstack` process (its interactive mode reading
    stdin: the CLI takes ~2 s to start); returns the JSON documents printed.
    ``auth``: OS_* variables instead of the admin's password."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(OS_AUTH_URL=identity.auth_url, OS_IDENTITY_API_VERSION="3",
               OS_REGION_NAME="RegionOne")
    env.update(auth or dict(
        OS_USERNAME="admin", OS_PASSWORD=identity.admin_password,
        OS_PROJECT_NAME="admin", OS_USER_DOMAIN_NAME="Default",
        OS_PROJECT_DOMAIN_NAME="Default"))
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "openstack")],
                          input="\n".join(commands) + "\n", env=env,
                          capture_output=True, text=True, timeout=60)
    assert "rror" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    decoder, text, docs = json.JSONDecoder(), proc.stdout, []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return docs
        doc, pos = decoder.raw_decode(text, pos)
        docs.append(doc)


def test_openstack_cli(identity):
    name = f"cli-{uuid.uuid4().hex[:6]}"
    user = f"u-{name}"
    (token, project, created_user, assignments, shown, listed, catalog, endpoints,
     after, app_cred) = _cli_session(identity, [
        "token issue -f json",
        f"project create --domain default --description from-the-cli {name} -f json",
        f"user create --domain default --password cli-pw-1 --project {name} {user} -f json",
        f"role add --user {user} --user-domain default --project {name} "
        "--project-domain default member",
        f"role assignment list --names --project {name} --project-domain default -f json",
        f"project show --domain default {name} -f json",
        "project list -f json",
        "catalog list -f json",
        "endpoint list -f json",
        f"project delete --domain default {name}",
        "project list -f json",
        f"application credential create --role reader {name} -f json",
    ])
    assert token["project_id"] and token["user_id"] and len(token["id"]) < 255
    assert project["name"] == name and created_user["name"] == user
    assert [(r["Role"], r["User"], r["Project"]) for r in assignments] == [
        ("member", f"{user}@Default", f"{name}@Default")]
    assert shown["id"] == project["id"] and shown["description"] == "from-the-cli"
    assert name in {p["Name"] for p in listed}
    assert "identity" in {c["Type"] for c in catalog}
    assert {e["Interface"] for e in endpoints} == {"public", "internal", "admin"}
    assert name not in {p["Name"] for p in after}
    # then authenticating with the application credential the CLI created: the CLI
    # itself, then keystoneauth1
    (cred_token, roles) = _cli_session(identity, [
        "token issue -f json",
        f"role assignment list --names --project {token['project_id']} -f json"],
        OS_AUTH_TYPE="v3applicationcredential",
        OS_APPLICATION_CREDENTIAL_ID=app_cred["ID"],
        OS_APPLICATION_CREDENTIAL_SECRET=app_cred["Secret"])
    assert cred_token["project_id"] == token["project_id"]
    assert cred_token["user_id"] == token["user_id"]
    # a reader: it may read the project's assignments
    assert ("admin", "admin@Default", "admin@Default") in {
        (r["Role"], r["User"], r["Project"]) for r in roles}
    sess = ks_session.Session(auth=v3.ApplicationCredential(
        auth_url=identity.auth_url, application_credential_id=app_cred["ID"],
        application_credential_secret=app_cred["Secret"]))
    access = sess.auth.get_access(sess)
    assert access.project_name == "admin" and set(access.role_names) == {"reader"}
