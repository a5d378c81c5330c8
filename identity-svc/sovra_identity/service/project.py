"""Projects, their hierarchy (parent_id) and tags."""

from sqlalchemy import select

from sovra_common import exception
from sovra_identity.db import models
from sovra_identity.service import lookup, revocation


def get(db, project_id):
    with db.reader() as session:
        return lookup.get(session, models.Project, project_id, "project")


def get_by_name(db, name, domain_id):
    with db.reader() as session:
        row = session.execute(select(models.Project).where(
            models.Project.name == name,
            models.Project.domain_id == domain_id)).scalar_one_or_none()
        if row is None:
            raise lookup.ResourceNotFound(kind="project", id=name)
        return row


def tags(db, project_ids) -> dict[str, list[str]]:
    with db.reader() as session:
        result = {pid: [] for pid in project_ids}
        for tag in session.execute(select(models.ProjectTag).where(
                models.ProjectTag.project_id.in_(list(project_ids)))).scalars():
            result[tag.project_id].append(tag.name)
        return {pid: sorted(names) for pid, names in result.items()}


def list_(db, *, name=None, domain_id=None, parent_id=None, enabled=None, ids=None,
          tags_all=None):
    with db.reader() as session:
        query = select(models.Project).order_by(models.Project.name)
        if name is not None:
            query = query.where(models.Project.name == name)
        if domain_id is not None:
            query = query.where(models.Project.domain_id == domain_id)
        if parent_id is not None:
            query = query.where(models.Project.parent_id == parent_id)
        if enabled is not None:
            query = query.where(models.Project.enabled == enabled)
        if ids is not None:
            query = query.where(models.Project.id.in_(list(ids)))
        for tag in tags_all or ():
            query = query.where(models.Project.id.in_(
                select(models.ProjectTag.project_id).where(models.ProjectTag.name == tag)))
        return list(session.execute(query).scalars())


def ancestors(session, project) -> list:
    """The project's parents, nearest first."""
    chain, seen = [], {project.id}
    while project.parent_id and project.parent_id not in seen:
        project = session.get(models.Project, project.parent_id)
        if project is None:
            break
        seen.add(project.id)
        chain.append(project)
    return chain


def subtree_ids(session, project_id) -> list[str]:
    """Ids of every project below ``project_id`` (not itself)."""
    found, frontier = [], [project_id]
    while frontier:
        children = list(session.execute(select(models.Project.id).where(
            models.Project.parent_id.in_(frontier))).scalars())
        found.extend(children)
        frontier = children
    return found


def create(db, *, name, domain_id=None, parent_id=None, description=None, enabled=True,
           is_domain=False, tags=()):
    if is_domain:
        raise exception.Invalid("Projects acting as domains are not supported; create "
                                "a domain instead.")
    with db.writer() as session:
        if parent_id is not None:
            parent = lookup.get(session, models.Project, parent_id, "project")
            if domain_id is not None and domain_id != parent.domain_id:
                raise exception.Invalid("A project's domain must be its parent's.")
            domain_id = parent.domain_id
        domain = lookup.get(session, models.Domain, domain_id, "domain")
        if session.execute(select(models.Project.id).where(
                models.Project.name == name,
                models.Project.domain_id == domain.id)).first():
            raise exception.Conflict(
                f"Duplicate entry: a project named {name!r} exists in domain "
                f"{domain.id}.")
        row = models.Project(id=lookup.new_id(), name=name, domain_id=domain.id,
                             parent_id=parent_id, description=description,
                             enabled=enabled, is_domain=False)
        session.add(row)
        session.flush()
        for tag in sorted(set(tags)):
            session.add(models.ProjectTag(project_id=row.id, name=tag))
        return row


def update(db, revoker, project_id, changes):
    changes = dict(changes)
    new_tags = changes.pop("tags", None)
    with db.writer() as session:
        row = lookup.get(session, models.Project, project_id, "project")
        if "name" in changes and changes["name"] != row.name and session.execute(
                select(models.Project.id).where(
                    models.Project.name == changes["name"],
                    models.Project.domain_id == row.domain_id)).first():
            raise exception.Conflict(
                f"Duplicate entry: a project named {changes['name']!r} exists.")
        disabling = row.enabled and changes.get("enabled") is False
        for key, value in changes.items():
            setattr(row, key, value)
        if new_tags is not None:
            session.query(models.ProjectTag).filter(
                models.ProjectTag.project_id == project_id).delete()
            for tag in sorted(set(new_tags)):
                session.add(models.ProjectTag(project_id=project_id, name=tag))
    if disabling:
        revoker.revoke(revocation.PROJECT_DISABLED, {"project_id": project_id},
                       record={"project_id": project_id})
    return row


def delete(db, revoker, project_id):
    with db.writer() as session:
        row = lookup.get(session, models.Project, project_id, "project")
        if session.execute(select(models.Project.id).where(
                models.Project.parent_id == project_id).limit(1)).first():
            raise exception.Forbidden(
                f"Cannot delete project {project_id}: it has subprojects.")
        session.query(models.Assignment).filter(
            models.Assignment.target_id == project_id,
            models.Assignment.type.in_(("UserProject", "GroupProject"))).delete()
        session.delete(row)
    revoker.revoke(revocation.PROJECT_DELETED, {"project_id": project_id},
                   record={"project_id": project_id})
