"""Grants (/v3/{projects,domains}/{id}/{users,groups}/{id}/roles[/{role_id}], their
OS-INHERIT and /v3/system variants) and GET /v3/role_assignments."""

from sqlalchemy import select

from sovra_common import exception
from sovra_common.wsgi.routes import json_response
from sovra_identity.api import views
from sovra_identity.api.policies import assignment as policies
from sovra_identity.api.schemas import resource as schemas
from sovra_identity.db import models
from sovra_identity.service import assignment as assignment_service
from sovra_identity.service import domain as domain_service
from sovra_identity.service import project as project_service

_PLURAL = {"project": "projects", "domain": "domains", "user": "users", "group": "groups"}


def _owner_domain(req, target, target_id):
    db = views.backend(req).db
    if target == "project":
        return project_service.get(db, target_id).domain_id
    if target == "domain":
        return domain_service.get(db, target_id).id
    return None


def grant_handlers(target: str, actor: str, inherited: bool = False) -> dict:
    """The PUT/HEAD/DELETE handlers of one grant route, and the GET of its list."""
    def _args(kwargs):
        return (actor, kwargs[f"{actor}_id"], target,
                kwargs.get(f"{target}_id", assignment_service.SYSTEM_ALL))

    def put(req, role_id, **kwargs):
        a, aid, t, tid = _args(kwargs)
        req.authorize(policies.CREATE_GRANT,
                      views.target(domain_id=_owner_domain(req, t, tid)))
        assignment_service.grant(views.backend(req).db, a, aid, t, tid, role_id, inherited)
        return json_response(None, status=204)

    def head(req, role_id, **kwargs):
        a, aid, t, tid = _args(kwargs)
        req.authorize(policies.CHECK_GRANT,
                      views.target(domain_id=_owner_domain(req, t, tid)))
        assignment_service.check(views.backend(req).db, a, aid, t, tid, role_id, inherited)
        return json_response(None, status=204)

    def delete(req, role_id, **kwargs):
        a, aid, t, tid = _args(kwargs)
        req.authorize(policies.REVOKE_GRANT,
                      views.target(domain_id=_owner_domain(req, t, tid)))
        b = views.backend(req)
        assignment_service.revoke(b.db, b.revoker, a, aid, t, tid, role_id, inherited)
        return json_response(None, status=204)

    def list_(req, **kwargs):
        a, aid, t, tid = _args(kwargs)
        req.authorize(policies.LIST_GRANTS,
                      views.target(domain_id=_owner_domain(req, t, tid)))
        roles = assignment_service.roles_on(views.backend(req).db, a, aid, t, tid,
                                            inherited)
        return json_response(views.collection(
            req, "roles", [views.role(req, r) for r in roles],
            req.path.split("/v3/", 1)[-1]))

    noun = f"{target}_{actor}_role" + ("_inherited" if inherited else "")
    handlers = {"PUT": put, "HEAD": head, "DELETE": delete, "GET": list_}
    for verb, fn in zip(("grant", "check", "revoke", "list"), handlers.values(),
                        strict=True):
        fn.__name__ = f"{verb}_{noun}" + ("s" if verb == "list" else "")
        fn.__qualname__ = fn.__name__
    return handlers


def _names(req, entries):
    ids = {"user": set(), "group": set(), "project": set(), "domain": set(), "role": set()}
    for e in entries:
        ids[e.actor].add(e.actor_id)
        if e.target != "system":
            ids[e.target].add(e.target_id)
        ids["role"].add(e.role_id)
    found = {}
    with views.backend(req).db.reader() as session:
        for kind, model in (("user", models.User), ("group", models.Group),
                            ("project", models.Project), ("domain", models.Domain),
                            ("role", models.Role)):
            if ids[kind]:
                for row in session.execute(select(model).where(
                        model.id.in_(ids[kind]))).scalars():
                    found[(kind, row.id)] = row
        domain_ids = {getattr(r, "domain_id", None) for r in found.values()} - {None}
        for row in session.execute(select(models.Domain).where(
                models.Domain.id.in_(domain_ids))).scalars():
            found[("domain", row.id)] = row
    return found


def _ref(kind, row_id, names, with_domain=True):
    ref = {"id": row_id}
    row = names.get((kind, row_id)) if names is not None else None
    if row is not None:
        ref["name"] = row.name
        domain_id = getattr(row, "domain_id", None)
        if with_domain and domain_id is not None:
            domain = names.get(("domain", domain_id))
            ref["domain"] = {"id": domain_id, "name": domain.name if domain else None}
    return ref


def _entry(req, e, names):
    base = views.base_url(req)
    shown = {"role": _ref("role", e.role_id, names),
             e.actor: _ref(e.actor, e.actor_id, names)}
    granted_on = e.source_target_id or e.target_id
    inherited = e.inherited or e.source_target_id is not None
    if e.target == "system":
        shown["scope"] = {"system": {"all": True}}
        path = f"system/{_PLURAL[e.actor]}/{e.actor_id}/roles/{e.role_id}"
    else:
        shown["scope"] = {e.target: _ref(e.target, e.target_id, names,
                                         with_domain=e.target == "project")}
        source_kind = e.source_target or e.target
        path = (f"{_PLURAL[source_kind]}/{granted_on}/"
                f"{_PLURAL['group' if e.via_group else e.actor]}/"
                f"{e.via_group or e.actor_id}/roles/{e.prior_role_id or e.role_id}")
    if inherited:
        if e.inherited:
            shown["scope"]["OS-INHERIT:inherited_to"] = "projects"
        path = f"OS-INHERIT/{path}/inherited_to_projects"
    links = {"assignment": f"{base}/{path}"}
    if e.via_group:
        links["membership"] = f"{base}/groups/{e.via_group}/users/{e.actor_id}"
    if e.prior_role_id:
        links["prior_role"] = f"{base}/roles/{e.prior_role_id}"
    shown["links"] = links
    return shown


def list_role_assignments(req):
    query = req.query(schemas.LIST_ROLE_ASSIGNMENTS)
    project_id = query.get("scope.project.id")
    user_id = query.get("user.id")
    domain_id = query.get("scope.domain.id") or req.context.domain_id
    req.authorize(policies.LIST, views.target(domain_id=domain_id, project_id=project_id,
                                              user_id=user_id))
    effective = views.present(query.get("effective"))
    if effective and query.get("group.id"):
        raise exception.Invalid("effective and group.id cannot be combined.")
    inherited_to = query.get("scope.OS-INHERIT:inherited_to")
    entries = assignment_service.list_entries(
        views.backend(req).db, effective=effective, user_id=user_id,
        group_id=query.get("group.id"), role_id=query.get("role.id"),
        project_id=project_id, domain_id=query.get("scope.domain.id"),
        system=query.get("scope.system"),
        inherited=True if inherited_to == "projects" else None,
        include_subtree=views.present(query.get("include_subtree")))
    if not (req.context.is_admin or req.context.system_scope):
        entries = _visible(req, entries, project_id, user_id, domain_id)
    names = _names(req, entries) if views.present(query.get("include_names")) else None
    shown = [_entry(req, e, names) for e in entries]
    return json_response(views.collection(req, "role_assignments", shown,
                                          "role_assignments"))


def _visible(req, entries, project_id, user_id, domain_id):
    """What a non-admin may see: its domain's (domain reader), its project's
    (project reader filtering on it), or its own assignments."""
    ctx = req.context
    if ctx.domain_id:
        with views.backend(req).db.reader() as session:
            in_domain = set(session.execute(select(models.Project.id).where(
                models.Project.domain_id == ctx.domain_id)).scalars())
        return [e for e in entries
                if (e.target == "domain" and e.target_id == ctx.domain_id)
                or (e.target == "project" and e.target_id in in_domain)]
    if project_id and project_id == ctx.project_id:
        # a project reader: its project only, not the subtree
        return [e for e in entries if e.target == "project" and e.target_id == project_id]
    return [e for e in entries if e.actor == "user" and e.actor_id == ctx.user_id]
