"""Check strings shared by the image rules. Targets carry ``project_id`` (the image's
owner), ``visibility``, and ``member_id`` (the caller's project when it is a member of
the image, else empty)."""

from sovra_common import policy

READER = "role:reader or rule:admin_api"
IMAGE_READER = (f"{policy.ADMIN} or (role:reader and (project_id:%(project_id)s or "
                "project_id:%(member_id)s or 'public':%(visibility)s or "
                "'community':%(visibility)s))")
MEMBER_READER = (f"{policy.ADMIN} or (role:reader and (project_id:%(project_id)s or "
                 "project_id:%(member_id)s))")
MEMBER_SELF = f"{policy.ADMIN} or (role:member and project_id:%(member_id)s)"
