"""What a validated token says about its holder, read from a Keystone v3 token body.

Only the fields Sovra uses are kept (no catalog). ``TokenInfo`` is immutable, so the
token cache can hand the same object to concurrent requests.
"""

import dataclasses
import datetime


@dataclasses.dataclass(frozen=True)
class TokenInfo:
    user_id: str
    user_name: str | None = None
    user_domain_id: str | None = None
    user_domain_name: str | None = None
    project_id: str | None = None
    project_name: str | None = None
    project_domain_id: str | None = None
    project_domain_name: str | None = None
    domain_id: str | None = None          # domain-scoped token
    domain_name: str | None = None
    system_scope: str | None = None       # "all" for a system-scoped token
    roles: tuple[str, ...] = ()           # role names
    role_ids: tuple[str, ...] = ()
    expires_at: float | None = None       # POSIX timestamp
    audit_ids: tuple[str, ...] = ()       # [own audit id, audit chain id]
    methods: tuple[str, ...] = ()
    is_admin_project: bool = True

    @property
    def scoped(self) -> bool:
        return bool(self.project_id or self.domain_id or self.system_scope)

    def domain_ids(self) -> set[str]:
        """Every domain this token depends on (user's, project's, scope's)."""
        return {d for d in (self.user_domain_id, self.project_domain_id, self.domain_id)
                if d}

    @classmethod
    def from_body(cls, body) -> "TokenInfo":
        """Parse ``{"token": {...}}`` as GET /v3/auth/tokens returns it.

        :raises ValueError: the body is not a usable token (no user id, bad types).
        """
        if not isinstance(body, dict) or not isinstance(body.get("token"), dict):
            raise ValueError("no 'token' object in the identity response")
        token = body["token"]
        user = _obj(token, "user")
        if not isinstance(user.get("id"), str) or not user["id"]:
            raise ValueError("the token has no user id")
        user_domain = _obj(user, "domain")
        project = _obj(token, "project")
        project_domain = _obj(project, "domain")
        domain = _obj(token, "domain")
        system = _obj(token, "system")
        roles = token.get("roles") or []
        if not isinstance(roles, list) or not all(isinstance(r, dict) for r in roles):
            raise ValueError("the token's roles are not a list of objects")
        audit_ids = token.get("audit_ids") or []
        methods = token.get("methods") or []
        if not isinstance(audit_ids, list) or not isinstance(methods, list):
            raise ValueError("the token's audit_ids or methods are not lists")
        is_admin_project = token.get("is_admin_project", True)
        return cls(
            user_id=user["id"],
            user_name=user.get("name"),
            user_domain_id=user_domain.get("id"),
            user_domain_name=user_domain.get("name"),
            project_id=project.get("id"),
            project_name=project.get("name"),
            project_domain_id=project_domain.get("id"),
            project_domain_name=project_domain.get("name"),
            domain_id=domain.get("id"),
            domain_name=domain.get("name"),
            system_scope="all" if system.get("all") else None,
            roles=tuple(str(r["name"]) for r in roles if r.get("name")),
            role_ids=tuple(str(r["id"]) for r in roles if r.get("id")),
            expires_at=parse_expires_at(token.get("expires_at")),
            audit_ids=tuple(str(a) for a in audit_ids),
            methods=tuple(str(m) for m in methods),
            is_admin_project=bool(is_admin_project),
        )


def _obj(parent: dict, key: str) -> dict:
    value = parent.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"the token's {key!r} is not an object")
    return value


def parse_expires_at(value) -> float | None:
    """ISO 8601 ``expires_at`` ("2030-01-01T00:00:00.000000Z") -> POSIX seconds, or
    None when absent or unreadable (such a token is used but never cached)."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when.timestamp()
