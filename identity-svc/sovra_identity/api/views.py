"""How identity's resources look on the wire (links, collections) and the policy
targets built from them."""

from sovra_identity.api import state

# oslo.policy compares str() of both sides: a target value None (or a client's
# literal "None") would equal a credential that is None (a project-scoped token's
# domain_id). Targets never carry either.
_NOBODY = "<none>"


def target(**values) -> dict:
    return {k: (_NOBODY if v is None or v == "None" else v) for k, v in values.items()}


def base_url(req) -> str:
    return req.host_url.rstrip("/") + "/v3"


def link(req, path: str) -> dict:
    return {"self": f"{base_url(req)}/{path}"}


def collection(req, key: str, items: list, path: str) -> dict:
    query = req.query_string.decode() if req.query_string else ""
    self_url = f"{base_url(req)}/{path}" + (f"?{query}" if query else "")
    return {key: items, "links": {"self": self_url, "previous": None, "next": None}}


def flag(value: str | None) -> bool | None:
    """A boolean query filter as Keystone reads it: "0"/"false"/"no" are false."""
    if value is None:
        return None
    return value.strip().lower() not in ("0", "false", "f", "no", "n", "off")


def present(value: str | None) -> bool:
    """A flag query parameter given without a value (``?nocatalog``) counts as set."""
    return value is not None and flag(value or "true")


def domain(req, row) -> dict:
    return {"id": row.id, "name": row.name, "description": row.description or "",
            "enabled": row.enabled, "tags": [], "options": {},
            "links": link(req, f"domains/{row.id}")}


def project(req, row, tags=()) -> dict:
    return {"id": row.id, "name": row.name, "domain_id": row.domain_id,
            "parent_id": row.parent_id or row.domain_id,
            "description": row.description or "", "enabled": row.enabled,
            "is_domain": False, "tags": list(tags), "options": {},
            "links": link(req, f"projects/{row.id}")}


def user(req, row) -> dict:
    shown = {"id": row.id, "name": row.name, "domain_id": row.domain_id,
             "enabled": row.enabled, "password_expires_at": None, "options": {},
             "links": link(req, f"users/{row.id}")}
    for key in ("description", "email", "default_project_id"):
        if getattr(row, key) is not None:
            shown[key] = getattr(row, key)
    return shown


def group(req, row) -> dict:
    return {"id": row.id, "name": row.name, "domain_id": row.domain_id,
            "description": row.description or "", "links": link(req, f"groups/{row.id}")}


def role(req, row) -> dict:
    return {"id": row.id, "name": row.name, "domain_id": row.domain_id,
            "description": row.description, "options": {},
            "links": link(req, f"roles/{row.id}")}


def role_ref(req, row) -> dict:
    return {"id": row.id, "name": row.name, "links": link(req, f"roles/{row.id}")}


def region(req, row) -> dict:
    return {"id": row.id, "description": row.description or "",
            "parent_region_id": row.parent_region_id,
            "links": link(req, f"regions/{row.id}")}


def service(req, row) -> dict:
    return {"id": row.id, "type": row.type, "name": row.name or "",
            "description": row.description or "", "enabled": row.enabled,
            "links": link(req, f"services/{row.id}")}


def endpoint(req, row) -> dict:
    return {"id": row.id, "service_id": row.service_id, "interface": row.interface,
            "url": row.url, "region_id": row.region_id, "region": row.region_id,
            "enabled": row.enabled, "links": link(req, f"endpoints/{row.id}")}


def backend(req) -> "state.IdentityState":
    return req.state.extras["identity"]
