"""The service catalog: regions, services and their endpoints."""

from sqlalchemy import select

from sovra_common import exception
from sovra_identity.db import models
from sovra_identity.service import lookup

INTERFACES = ("public", "internal", "admin")


# --- regions -----------------------------------------------------------------------

def get_region(db, region_id):
    with db.reader() as session:
        return lookup.get(session, models.Region, region_id, "region")


def list_regions(db, parent_region_id=None):
    with db.reader() as session:
        query = select(models.Region).order_by(models.Region.id)
        if parent_region_id is not None:
            query = query.where(models.Region.parent_region_id == parent_region_id)
        return list(session.execute(query).scalars())


def create_region(db, *, region_id=None, description=None, parent_region_id=None):
    with db.writer() as session:
        region_id = region_id or lookup.new_id()
        if session.get(models.Region, region_id) is not None:
            raise exception.Conflict(f"Duplicate entry: region {region_id} exists.")
        if parent_region_id is not None:
            lookup.get(session, models.Region, parent_region_id, "region")
        row = models.Region(id=region_id, description=description,
                            parent_region_id=parent_region_id)
        session.add(row)
        return row


def update_region(db, region_id, changes):
    with db.writer() as session:
        row = lookup.get(session, models.Region, region_id, "region")
        if changes.get("parent_region_id") is not None:
            lookup.get(session, models.Region, changes["parent_region_id"], "region")
            if changes["parent_region_id"] == region_id:
                raise exception.Invalid("A region cannot be its own parent.")
        for key, value in changes.items():
            setattr(row, key, value)
        return row


def delete_region(db, region_id):
    with db.writer() as session:
        row = lookup.get(session, models.Region, region_id, "region")
        for model, column in ((models.Region, models.Region.parent_region_id),
                              (models.Endpoint, models.Endpoint.region_id)):
            if session.execute(select(model).where(column == region_id).limit(1)).first():
                raise exception.Conflict(
                    f"Region {region_id} still has {model.__tablename__}.")
        session.delete(row)


# --- services ----------------------------------------------------------------------

def get_service(db, service_id):
    with db.reader() as session:
        return lookup.get(session, models.Service, service_id, "service")


def list_services(db, *, type_=None, name=None):
    with db.reader() as session:
        query = select(models.Service).order_by(models.Service.type)
        if type_ is not None:
            query = query.where(models.Service.type == type_)
        if name is not None:
            query = query.where(models.Service.name == name)
        return list(session.execute(query).scalars())


def create_service(db, *, type_, name=None, description=None, enabled=True):
    with db.writer() as session:
        row = models.Service(id=lookup.new_id(), type=type_, name=name,
                             description=description, enabled=enabled)
        session.add(row)
        return row


def update_service(db, service_id, changes):
    with db.writer() as session:
        row = lookup.get(session, models.Service, service_id, "service")
        for key, value in changes.items():
            setattr(row, key, value)
        return row


def delete_service(db, service_id):
    with db.writer() as session:
        row = lookup.get(session, models.Service, service_id, "service")
        session.query(models.Endpoint).filter(
            models.Endpoint.service_id == service_id).delete()
        session.delete(row)


# --- endpoints ---------------------------------------------------------------------

def get_endpoint(db, endpoint_id):
    with db.reader() as session:
        return lookup.get(session, models.Endpoint, endpoint_id, "endpoint")


def list_endpoints(db, *, interface=None, service_id=None, region_id=None):
    with db.reader() as session:
        query = select(models.Endpoint).order_by(models.Endpoint.service_id,
                                                 models.Endpoint.interface)
        if interface is not None:
            query = query.where(models.Endpoint.interface == interface)
        if service_id is not None:
            query = query.where(models.Endpoint.service_id == service_id)
        if region_id is not None:
            query = query.where(models.Endpoint.region_id == region_id)
        return list(session.execute(query).scalars())


def create_endpoint(db, *, service_id, interface, url, region_id=None, enabled=True):
    with db.writer() as session:
        lookup.get(session, models.Service, service_id, "service")
        if region_id is not None:
            lookup.get(session, models.Region, region_id, "region")
        row = models.Endpoint(id=lookup.new_id(), service_id=service_id,
                              interface=interface, url=url, region_id=region_id,
                              enabled=enabled)
        session.add(row)
        return row


def update_endpoint(db, endpoint_id, changes):
    with db.writer() as session:
        row = lookup.get(session, models.Endpoint, endpoint_id, "endpoint")
        if "service_id" in changes:
            lookup.get(session, models.Service, changes["service_id"], "service")
        if changes.get("region_id") is not None:
            lookup.get(session, models.Region, changes["region_id"], "region")
        for key, value in changes.items():
            setattr(row, key, value)
        return row


def delete_endpoint(db, endpoint_id):
    with db.writer() as session:
        session.delete(lookup.get(session, models.Endpoint, endpoint_id, "endpoint"))


# --- the catalog -------------------------------------------------------------------

def build(session) -> list[dict]:
    """The catalog as tokens and GET /v3/auth/catalog show it: enabled services
    with their enabled endpoints."""
    services = {s.id: s for s in session.execute(select(models.Service).where(
        models.Service.enabled.is_(True))).scalars()}
    by_service: dict[str, list] = {sid: [] for sid in services}
    for ep in session.execute(select(models.Endpoint).where(
            models.Endpoint.enabled.is_(True)).order_by(models.Endpoint.id)).scalars():
        if ep.service_id in by_service:
            by_service[ep.service_id].append({
                "id": ep.id, "interface": ep.interface, "region_id": ep.region_id,
                "url": ep.url, "region": ep.region_id})
    return [{"endpoints": by_service[sid], "id": sid, "type": s.type, "name": s.name or ""}
            for sid, s in sorted(services.items(), key=lambda kv: (kv[1].type, kv[0]))]
