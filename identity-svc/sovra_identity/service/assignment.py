"""Role assignments (grants) and the roles a user effectively holds.

An assignment gives a role to an actor (user or group) on a target (project,
domain, or the system). ``inherited`` assignments apply to the subprojects of the
target (for a domain: every project of the domain), not to the target itself.
Effective roles add group memberships, inheritance down the project tree and
implied roles; they are computed when a token is issued *and* each time it is
validated.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from sovra_common import exception
from sovra_identity.db import models
from sovra_identity.service import lookup, revocation
from sovra_identity.service import project as project_service
from sovra_identity.service import role as role_service

SYSTEM_ALL = "all"
_ACTORS = {"user": models.User, "group": models.Group}
_TARGETS = {"project": models.Project, "domain": models.Domain}


def assignment_type(actor: str, target: str) -> str:
    return f"{actor.capitalize()}{target.capitalize()}"


def _split(type_: str) -> tuple[str, str]:
    for actor in ("User", "Group"):
        if type_.startswith(actor):
            return actor.lower(), type_[len(actor):].lower()
    raise ValueError(type_)


@dataclasses.dataclass
class Entry:
    """One line of GET /v3/role_assignments."""

    actor: str          # "user" | "group"
    actor_id: str
    target: str         # "project" | "domain" | "system"
    target_id: str
    role_id: str
    inherited: bool
    via_group: str | None = None      # effective: the group that gave it
    prior_role_id: str | None = None  # effective: the role that implied it
    source_target: str | None = None     # effective inherited: where it was granted
    source_target_id: str | None = None

    def key(self):
        return (self.actor, self.actor_id, self.target, self.target_id, self.role_id,
                self.inherited)


def _check_parts(session, actor, actor_id, target, target_id, role_id):
    lookup.get(session, _ACTORS[actor], actor_id, actor)
    if target != "system":
        lookup.get(session, _TARGETS[target], target_id, target)
    role = lookup.get(session, models.Role, role_id, "role")
    return role


def grant(db, actor, actor_id, target, target_id, role_id, inherited=False):
    if target == "system":
        target_id = SYSTEM_ALL
    with db.writer() as session:
        role = _check_parts(session, actor, actor_id, target, target_id, role_id)
        if role.domain_id is not None and target == "domain" and role.domain_id != target_id:
            raise exception.Forbidden("A domain-specific role can only be granted "
                                      "within its domain.")
        key = (assignment_type(actor, target), actor_id, target_id, role_id, inherited)
        if session.get(models.Assignment, key) is None:
            session.add(models.Assignment(type=key[0], actor_id=actor_id,
                                          target_id=target_id, role_id=role_id,
                                          inherited=inherited))


def check(db, actor, actor_id, target, target_id, role_id, inherited=False):
    if target == "system":
        target_id = SYSTEM_ALL
    with db.reader() as session:
        _check_parts(session, actor, actor_id, target, target_id, role_id)
        key = (assignment_type(actor, target), actor_id, target_id, role_id, inherited)
        if session.get(models.Assignment, key) is None:
            raise lookup.ResourceNotFound(kind="role assignment",
                                          id=f"{target_id}/{actor_id}/{role_id}")


def revoke(db, revoker, actor, actor_id, target, target_id, role_id, inherited=False):
    if target == "system":
        target_id = SYSTEM_ALL
    with db.writer() as session:
        key = (assignment_type(actor, target), actor_id, target_id, role_id, inherited)
        row = session.get(models.Assignment, key)
        if row is None:
            raise lookup.ResourceNotFound(kind="role assignment",
                                          id=f"{target_id}/{actor_id}/{role_id}")
        session.delete(row)
    payload = {f"{actor}_id": actor_id}
    record = {}
    if target == "project":
        payload["project_id"] = target_id
        record["project_id"] = target_id
    elif target == "domain":
        payload["domain_id"] = target_id
    if inherited:
        payload["inherited"] = True
    if actor == "user":
        # Old tokens of that user on that project die even if another assignment
        # still gives them roles: what the token said is no longer true.
        record["user_id"] = actor_id
        if inherited or target != "project":
            record.pop("project_id", None)
        revoker.revoke(revocation.ROLE_ASSIGNMENT_DELETED, payload, record=record)
    else:
        # group: validation recomputes the members' roles; caches are told.
        revoker.announce(revocation.ROLE_ASSIGNMENT_DELETED, payload)


def roles_on(db, actor, actor_id, target, target_id, inherited=False):
    """The roles directly granted to the actor on the target."""
    if target == "system":
        target_id = SYSTEM_ALL
    with db.reader() as session:
        lookup.get(session, _ACTORS[actor], actor_id, actor)
        if target != "system":
            lookup.get(session, _TARGETS[target], target_id, target)
        return list(session.execute(select(models.Role).join(
            models.Assignment, models.Assignment.role_id == models.Role.id).where(
            models.Assignment.type == assignment_type(actor, target),
            models.Assignment.actor_id == actor_id,
            models.Assignment.target_id == target_id,
            models.Assignment.inherited == inherited).order_by(models.Role.name)).scalars())


# --- effective roles ---------------------------------------------------------------

def effective_roles(session, user_id, *, project=None, domain_id=None,
                    system=False) -> list:
    """The Role rows the user holds on one scope: direct and group grants,
    inheritance, implied roles. Domain-specific roles are left out (only the global
    roles they imply count), as tokens carry global roles only."""
    actors = [user_id] + list(session.execute(select(models.GroupMembership.group_id).where(
        models.GroupMembership.user_id == user_id)).scalars())
    A = models.Assignment
    if project is not None:
        chain = project_service.ancestors(session, project)
        wanted = [(A.target_id == project.id) & A.inherited.is_(False)
                  & A.type.in_(("UserProject", "GroupProject"))]
        if chain:
            wanted.append(A.target_id.in_([p.id for p in chain]) & A.inherited.is_(True)
                          & A.type.in_(("UserProject", "GroupProject")))
        wanted.append((A.target_id == project.domain_id) & A.inherited.is_(True)
                      & A.type.in_(("UserDomain", "GroupDomain")))
    elif domain_id is not None:
        wanted = [(A.target_id == domain_id) & A.inherited.is_(False)
                  & A.type.in_(("UserDomain", "GroupDomain"))]
    elif system:
        wanted = [(A.target_id == SYSTEM_ALL) & A.type.in_(("UserSystem", "GroupSystem"))]
    else:
        return []
    clause = wanted[0]
    for extra in wanted[1:]:
        clause = clause | extra
    direct = set(session.execute(select(A.role_id).where(
        A.actor_id.in_(actors), clause)).scalars())
    if not direct:
        return []
    ids = role_service.expand(direct, role_service.implications(session))
    roles = session.execute(select(models.Role).where(models.Role.id.in_(ids))).scalars()
    return sorted((r for r in roles if r.domain_id is None), key=lambda r: r.name)


def projects_of_user(db, user_id) -> list:
    """Enabled projects on which the user has at least one role."""
    with db.reader() as session:
        candidates = _assignment_targets(session, user_id)
        result = []
        for project in session.execute(select(models.Project).where(
                models.Project.enabled.is_(True)).order_by(models.Project.name)).scalars():
            if not candidates & ({project.id, project.domain_id}
                                 | {p.id for p in project_service.ancestors(session,
                                                                             project)}):
                continue
            if effective_roles(session, user_id, project=project):
                result.append(project)
        return result


def domains_of_user(db, user_id) -> list:
    with db.reader() as session:
        result = []
        for domain in session.execute(select(models.Domain).where(
                models.Domain.enabled.is_(True)).order_by(models.Domain.name)).scalars():
            if effective_roles(session, user_id, domain_id=domain.id):
                result.append(domain)
        return result


def _assignment_targets(session, user_id) -> set[str]:
    actors = [user_id] + list(session.execute(select(models.GroupMembership.group_id).where(
        models.GroupMembership.user_id == user_id)).scalars())
    return set(session.execute(select(models.Assignment.target_id).where(
        models.Assignment.actor_id.in_(actors))).scalars())


# --- listing -----------------------------------------------------------------------

def list_entries(db, *, effective=False, user_id=None, group_id=None, role_id=None,
                 project_id=None, domain_id=None, system=None, inherited=None,
                 include_subtree=False) -> list[Entry]:
    """GET /v3/role_assignments. ``effective``: groups expanded to their members,
    inherited grants to the projects they reach, implied roles added.
    ``include_subtree``: with ``project_id``, its subprojects' assignments too."""
    with db.reader() as session:
        project_ids = None
        if project_id is not None:
            project_ids = {project_id}
            if include_subtree:
                project_ids.update(project_service.subtree_ids(session, project_id))
        rows = list(session.execute(select(models.Assignment)).scalars())
        entries = []
        for row in rows:
            actor, target = _split(row.type)
            entries.append(Entry(actor, row.actor_id, target, row.target_id, row.role_id,
                                 row.inherited))
        if effective:
            entries = _effective(session, entries)
    result = []
    for e in entries:
        if user_id is not None and not (e.actor == "user" and e.actor_id == user_id):
            continue
        if group_id is not None and not (e.actor == "group" and e.actor_id == group_id):
            continue
        if role_id is not None and e.role_id != role_id:
            continue
        if project_ids is not None and not (e.target == "project"
                                            and e.target_id in project_ids):
            continue
        if domain_id is not None and not (e.target == "domain" and e.target_id == domain_id):
            continue
        if system is not None and e.target != "system":
            continue
        if inherited is not None and e.inherited != inherited:
            continue
        result.append(e)
    return result


def _effective(session, entries):
    members: dict[str, list[str]] = {}
    for m in session.execute(select(models.GroupMembership)).scalars():
        members.setdefault(m.group_id, []).append(m.user_id)
    users = []
    for e in entries:
        if e.actor == "group":
            for uid in members.get(e.actor_id, ()):
                users.append(dataclasses.replace(e, actor="user", actor_id=uid,
                                                 via_group=e.actor_id))
        else:
            users.append(e)
    placed = []
    for e in users:
        if not e.inherited:
            placed.append(e)
            continue
        if e.target == "project":
            reached = project_service.subtree_ids(session, e.target_id)
        elif e.target == "domain":
            reached = list(session.execute(select(models.Project.id).where(
                models.Project.domain_id == e.target_id)).scalars())
        else:
            reached = []
        for pid in reached:
            placed.append(dataclasses.replace(e, target="project", target_id=pid,
                                              inherited=False,
                                              source_target=e.target,
                                              source_target_id=e.target_id))
    rules = role_service.implications(session)
    result, seen = [], set()
    for e in placed:
        if e.key() not in seen:
            seen.add(e.key())
            result.append(e)
        for implied in sorted(role_service.expand([e.role_id], rules) - {e.role_id}):
            extra = dataclasses.replace(e, role_id=implied, prior_role_id=e.role_id)
            if extra.key() not in seen:
                seen.add(extra.key())
                result.append(extra)
    return result
