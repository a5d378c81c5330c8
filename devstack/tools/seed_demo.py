"""Create the demo project and user (member role) through the identity API.

Run by stack.sh with the virtualenv's python once identity answers; idempotent.
Reads SOVRA_AUTH_URL, SOVRA_ADMIN_PASSWORD and SOVRA_DEMO_PASSWORD from the
environment, so no password is on a command line.
"""

import os
import sys

from keystoneauth1 import session
from keystoneauth1.identity import v3


def _find(sess, path, key, name):
    found = sess.get(f"{path}?name={name}", endpoint_filter=EP).json()[key]
    return found[0] if found else None


EP = {"service_type": "identity", "interface": "public"}


def main() -> int:
    auth = v3.Password(auth_url=os.environ["SOVRA_AUTH_URL"], username="admin",
                       password=os.environ["SOVRA_ADMIN_PASSWORD"],
                       user_domain_id="default", project_name="admin",
                       project_domain_id="default")
    sess = session.Session(auth=auth)
    project = _find(sess, "/projects", "projects", "demo") or sess.post(
        "/projects", endpoint_filter=EP,
        json={"project": {"name": "demo", "domain_id": "default",
                          "description": "the demo project of devstack"}}).json()["project"]
    user = _find(sess, "/users", "users", "demo")
    password = os.environ["SOVRA_DEMO_PASSWORD"]
    if user is None:
        user = sess.post("/users", endpoint_filter=EP, json={"user": {
            "name": "demo", "domain_id": "default", "password": password,
            "default_project_id": project["id"]}}).json()["user"]
    else:  # keep the password stack.sh prints true on a second run
        sess.patch(f"/users/{user['id']}", endpoint_filter=EP,
                   json={"user": {"password": password}})
    member = _find(sess, "/roles", "roles", "member")
    sess.put(f"/projects/{project['id']}/users/{user['id']}/roles/{member['id']}",
             endpoint_filter=EP)
    return 0


if __name__ == "__main__":
    sys.exit(main())
