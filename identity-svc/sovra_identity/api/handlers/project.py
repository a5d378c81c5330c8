"""/v3/projects"""

from sovra_common.wsgi import validation
from sovra_common.wsgi.routes import json_response
from sovra_identity.api import views
from sovra_identity.api.policies import project as policies
from sovra_identity.api.schemas import resource as schemas
from sovra_identity.service import assignment, lookup
from sovra_identity.service import domain as domain_service
from sovra_identity.service import project as project_service
from sovra_identity.service import user as user_service


def _shown(req, rows):
    tags = project_service.tags(views.backend(req).db, [r.id for r in rows])
    return [views.project(req, r, tags[r.id]) for r in rows]


def list_projects(req):
    query = req.query(schemas.LIST_PROJECTS)
    domain_id = query.get("domain_id") or req.context.domain_id
    req.authorize(policies.LIST, views.target(domain_id=domain_id))
    if not req.context.is_admin and not req.context.system_scope:
        # a domain reader: only that domain's projects
        query["domain_id"] = domain_id
    if views.flag(query.get("is_domain")):
        rows = []
    else:
        rows = project_service.list_(
            views.backend(req).db, name=query.get("name"), domain_id=query.get("domain_id"),
            parent_id=query.get("parent_id"), enabled=views.flag(query.get("enabled")),
            tags_all=[t for t in (query.get("tags") or "").split(",") if t])
    return json_response(views.collection(req, "projects", _shown(req, rows), "projects"))


def create_project(req):
    body = req.json_body(schemas.CREATE_PROJECT)["project"]
    b = views.backend(req)
    domain_id = body.get("domain_id")
    if body.get("parent_id"):
        parent = project_service.get(b.db, body["parent_id"])
        domain_id = domain_id or parent.domain_id
    domain_id = (domain_id or req.context.domain_id or req.context.project_domain_id
                 or domain_service.DEFAULT_DOMAIN_ID)
    req.authorize(policies.CREATE, views.target(domain_id=domain_id))
    parent_id = body.get("parent_id")
    if parent_id == domain_id:
        parent_id = None  # Keystone lets a top-level project name its domain as parent
    row = project_service.create(b.db, name=body["name"], domain_id=domain_id,
                                 parent_id=parent_id, description=body.get("description"),
                                 enabled=body.get("enabled", True),
                                 is_domain=body.get("is_domain", False),
                                 tags=body.get("tags", ()))
    return json_response({"project": _shown(req, [row])[0]}, status=201)


def show_project(req, project_id):
    row = project_service.get(views.backend(req).db, project_id)
    req.authorize(policies.GET, views.target(domain_id=row.domain_id, project_id=row.id))
    return json_response({"project": _shown(req, [row])[0]})


def update_project(req, project_id):
    body = req.json_body(schemas.UPDATE_PROJECT)["project"]
    b = views.backend(req)
    row = project_service.get(b.db, project_id)
    req.authorize(policies.UPDATE, views.target(domain_id=row.domain_id, project_id=row.id))
    changes = {k: body[k] for k in ("name", "description", "enabled", "tags") if k in body}
    row = project_service.update(b.db, b.revoker, project_id, changes)
    return json_response({"project": _shown(req, [row])[0]})


def delete_project(req, project_id):
    b = views.backend(req)
    row = project_service.get(b.db, project_id)
    req.authorize(policies.DELETE, views.target(domain_id=row.domain_id, project_id=row.id))
    project_service.delete(b.db, b.revoker, project_id)
    return json_response(None, status=204)


def list_user_projects(req, user_id):
    b = views.backend(req)
    user = user_service.get(b.db, user_id)
    req.authorize(policies.LIST_FOR_USER, views.target(domain_id=user.domain_id,
                                                       user_id=user.id))
    rows = assignment.projects_of_user(b.db, user_id)
    return json_response(views.collection(req, "projects", _shown(req, rows),
                                          f"users/{user_id}/projects"))


# --- tags ----------------------------------------------------------------------------

def _project_for_tags(req, project_id, rule):
    row = project_service.get(views.backend(req).db, project_id)
    req.authorize(rule, views.target(domain_id=row.domain_id, project_id=row.id))
    return project_service.tags(views.backend(req).db, [row.id])[row.id]


def _set_tags(req, project_id, tags):
    b = views.backend(req)
    project_service.update(b.db, b.revoker, project_id, {"tags": tags})
    return project_service.tags(b.db, [project_id])[project_id]


def list_project_tags(req, project_id):
    tags = _project_for_tags(req, project_id, policies.GET)
    return json_response({"tags": tags})


def replace_project_tags(req, project_id):
    body = req.json_body(schemas.REPLACE_TAGS)
    _project_for_tags(req, project_id, policies.UPDATE)
    return json_response({"tags": _set_tags(req, project_id, body["tags"])})


def delete_project_tags(req, project_id):
    _project_for_tags(req, project_id, policies.UPDATE)
    _set_tags(req, project_id, [])
    return json_response(None, status=204)


def check_project_tag(req, project_id, tag):
    """GET and HEAD: 204 when the project has the tag."""
    if tag not in _project_for_tags(req, project_id, policies.GET):
        raise lookup.ResourceNotFound(kind="tag", id=tag)
    return json_response(None, status=204)


def add_project_tag(req, project_id, tag):
    tags = _project_for_tags(req, project_id, policies.UPDATE)
    validation.validate(schemas.REPLACE_TAGS, {"tags": sorted({*tags, tag})})
    _set_tags(req, project_id, [*tags, tag])
    return json_response(None, status=201)


def delete_project_tag(req, project_id, tag):
    tags = _project_for_tags(req, project_id, policies.UPDATE)
    if tag not in tags:
        raise lookup.ResourceNotFound(kind="tag", id=tag)
    _set_tags(req, project_id, [t for t in tags if t != tag])
    return json_response(None, status=204)
