"""Project members for the compute tests: a user with only the ``member`` role on a
project, made by the admin, and an openstacksdk connection as that user."""

import contextlib
import dataclasses

import openstack


@dataclasses.dataclass
class Member:
    project: object  # openstack.identity.v3.project.Project
    user: object  # openstack.identity.v3.user.User
    conn: openstack.connection.Connection  # as the user, scoped to the project


@contextlib.contextmanager
def project_member(conn, cloud, name: str, *, project=None):
    """A user ``name`` (password ``<name>-pw``, domain Default) with the member role
    on ``project``, or on a new project ``name`` when None, made through the admin
    connection ``conn``; yields a ``Member``. After: its connection is closed, the
    user deleted, and the project too if it was made here."""
    domain = conn.identity.find_domain("Default")
    made = project is None
    if made:
        project = conn.identity.create_project(name=name, domain_id=domain.id)
    user = None
    try:
        user = conn.identity.create_user(name=name, password=f"{name}-pw",
                                         domain_id=domain.id)
        conn.identity.assign_project_role_to_user(project, user,
                                                  conn.identity.find_role("member"))
        member = openstack.connect(
            auth_url=cloud.auth_url, username=name, password=f"{name}-pw",
            project_name=project.name, user_domain_name="Default",
            project_domain_name="Default", region_name="RegionOne", interface="public")
        try:
            yield Member(project=project, user=user, conn=member)
        finally:
            member.close()
    finally:
        if user is not None:
            conn.identity.delete_user(user)
        if made:
            conn.identity.delete_project(project)
