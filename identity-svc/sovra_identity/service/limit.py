"""Unified limits (flat model): registered limits (a service's default for a
resource, per region) and limits (a project's or domain's own value for one).
Services read them to enforce quotas; identity only stores them."""

from __future__ import annotations

from sqlalchemy import select

from sovra_common import exception
from sovra_identity.db import models
from sovra_identity.service import lookup

MODEL = {"name": "flat", "description": "Limit enforcement and validation does not "
                                        "take project hierarchy into consideration."}


def _same(model, service_id, region_id, resource_name):
    return (model.service_id == service_id, model.resource_name == resource_name,
            model.region_id.is_(None) if region_id is None else model.region_id == region_id)


def _check_refs(session, service_id, region_id):
    lookup.get(session, models.Service, service_id, "service")
    if region_id is not None:
        lookup.get(session, models.Region, region_id, "region")


# --- registered limits ---------------------------------------------------------------

def create_registered(db, items: list[dict]) -> list:
    """All or none: one duplicate refuses the whole request."""
    with db.writer() as session:
        rows = []
        for item in items:
            region_id = item.get("region_id")
            _check_refs(session, item["service_id"], region_id)
            if session.execute(select(models.RegisteredLimit.id).where(*_same(
                    models.RegisteredLimit, item["service_id"], region_id,
                    item["resource_name"]))).first() or any(
                    (r.service_id, r.region_id, r.resource_name)
                    == (item["service_id"], region_id, item["resource_name"]) for r in rows):
                raise exception.Conflict(
                    f"Duplicate entry: a registered limit for {item['resource_name']!r} "
                    "exists for that service and region.")
            row = models.RegisteredLimit(
                id=lookup.new_id(), service_id=item["service_id"], region_id=region_id,
                resource_name=item["resource_name"], default_limit=item["default_limit"],
                description=item.get("description"))
            session.add(row)
            rows.append(row)
        return rows


def get_registered(db, limit_id):
    with db.reader() as session:
        return lookup.get(session, models.RegisteredLimit, limit_id, "registered limit")


def list_registered(db, *, service_id=None, region_id=None, resource_name=None):
    with db.reader() as session:
        query = select(models.RegisteredLimit).order_by(models.RegisteredLimit.resource_name)
        for column, value in ((models.RegisteredLimit.service_id, service_id),
                              (models.RegisteredLimit.region_id, region_id),
                              (models.RegisteredLimit.resource_name, resource_name)):
            if value is not None:
                query = query.where(column == value)
        return list(session.execute(query).scalars())


def update_registered(db, limit_id, changes):
    with db.writer() as session:
        row = lookup.get(session, models.RegisteredLimit, limit_id, "registered limit")
        identity_fields = {"service_id", "region_id", "resource_name"} & set(changes)
        if identity_fields and session.execute(select(models.Limit.id).where(*_same(
                models.Limit, row.service_id, row.region_id, row.resource_name))).first():
            raise exception.Forbidden("Limits reference this registered limit: its "
                                      "service, region and resource cannot change.")
        for key, value in changes.items():
            setattr(row, key, value)
        _check_refs(session, row.service_id, row.region_id)
        return row


def delete_registered(db, limit_id):
    with db.writer() as session:
        row = lookup.get(session, models.RegisteredLimit, limit_id, "registered limit")
        if session.execute(select(models.Limit.id).where(*_same(
                models.Limit, row.service_id, row.region_id, row.resource_name))).first():
            raise exception.Forbidden("Limits reference this registered limit; delete "
                                      "them first.")
        session.delete(row)


# --- limits -----------------------------------------------------------------------------

def create(db, items: list[dict]) -> list:
    with db.writer() as session:
        rows = []
        for item in items:
            region_id = item.get("region_id")
            project_id, domain_id = item.get("project_id"), item.get("domain_id")
            if (project_id is None) == (domain_id is None):
                raise exception.Invalid("A limit is for a project_id or a domain_id.")
            if project_id is not None:
                lookup.get(session, models.Project, project_id, "project")
            else:
                lookup.get(session, models.Domain, domain_id, "domain")
            _check_refs(session, item["service_id"], region_id)
            if not session.execute(select(models.RegisteredLimit.id).where(*_same(
                    models.RegisteredLimit, item["service_id"], region_id,
                    item["resource_name"]))).first():
                raise exception.Forbidden(
                    f"No registered limit for {item['resource_name']!r} in that service "
                    "and region: register it first.")
            owner = (models.Limit.project_id == project_id if project_id
                     else models.Limit.domain_id == domain_id)
            if session.execute(select(models.Limit.id).where(owner, *_same(
                    models.Limit, item["service_id"], region_id,
                    item["resource_name"]))).first():
                raise exception.Conflict(
                    f"Duplicate entry: a limit for {item['resource_name']!r} exists.")
            row = models.Limit(
                id=lookup.new_id(), project_id=project_id, domain_id=domain_id,
                service_id=item["service_id"], region_id=region_id,
                resource_name=item["resource_name"],
                resource_limit=item["resource_limit"], description=item.get("description"))
            session.add(row)
            session.flush()
            rows.append(row)
        return rows


def get(db, limit_id):
    with db.reader() as session:
        return lookup.get(session, models.Limit, limit_id, "limit")


def list_(db, *, service_id=None, region_id=None, resource_name=None, project_id=None,
          domain_id=None):
    with db.reader() as session:
        query = select(models.Limit).order_by(models.Limit.resource_name)
        for column, value in ((models.Limit.service_id, service_id),
                              (models.Limit.region_id, region_id),
                              (models.Limit.resource_name, resource_name),
                              (models.Limit.project_id, project_id),
                              (models.Limit.domain_id, domain_id)):
            if value is not None:
                query = query.where(column == value)
        return list(session.execute(query).scalars())


def update(db, limit_id, changes):
    with db.writer() as session:
        row = lookup.get(session, models.Limit, limit_id, "limit")
        for key, value in changes.items():
            setattr(row, key, value)
        return row


def delete(db, limit_id):
    with db.writer() as session:
        session.delete(lookup.get(session, models.Limit, limit_id, "limit"))
