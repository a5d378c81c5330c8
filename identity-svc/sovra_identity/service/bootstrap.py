"""First setup of an identity database (what `sovra-manage identity bootstrap`
does): the default domain, the admin/member/reader roles with their implications,
the admin project and user, the service project, a region and identity's own
catalog entries. Running it again changes nothing that is already right."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from sovra_identity.db import models
from sovra_identity.service import assignment, domain, password
from sovra_identity.service import catalog as catalog_service
from sovra_identity.service import project as project_service
from sovra_identity.service import role as role_service
from sovra_identity.service import user as user_service

ROLES = ("admin", "member", "reader", "service")
IMPLIES = (("admin", "member"), ("member", "reader"))


@dataclasses.dataclass
class BootstrapResult:
    created: list[str]
    admin_user_id: str
    admin_project_id: str


def bootstrap(db, revoker, policy, *, admin_password, username="admin",
              project_name="admin", service_project_name="service",
              region_id="RegionOne", public_url=None, internal_url=None,
              admin_url=None, service_name="keystone") -> BootstrapResult:
    created = []

    def note(what):
        created.append(what)

    try:
        domain.get(db, domain.DEFAULT_DOMAIN_ID)
    except Exception:
        domain.create(db, "Default", description="The default domain",
                      domain_id=domain.DEFAULT_DOMAIN_ID)
        note("domain Default")
    roles = {}
    for name in ROLES:
        row = role_service.find_by_name(db, name)
        if row is None:
            row = role_service.create(db, name=name)
            note(f"role {name}")
        roles[name] = row
    for prior, implied in IMPLIES:
        role_service.create_implied(db, roles[prior].id, roles[implied].id)
    projects = {}
    for name in (project_name, service_project_name):
        found = project_service.list_(db, name=name, domain_id=domain.DEFAULT_DOMAIN_ID)
        if found:
            projects[name] = found[0]
        else:
            projects[name] = project_service.create(
                db, name=name, domain_id=domain.DEFAULT_DOMAIN_ID,
                description=f"Bootstrap project {name}")
            note(f"project {name}")
    admin = user_service.find_by_name(db, username, domain.DEFAULT_DOMAIN_ID)
    if admin is None:
        admin = user_service.create(db, policy, name=username,
                                    domain_id=domain.DEFAULT_DOMAIN_ID,
                                    password=admin_password)
        note(f"user {username}")
    elif not admin.enabled or not password.check_password(admin_password,
                                                          admin.password_hash):
        user_service.update(db, revoker, policy, admin.id,
                            {"enabled": True, "password": admin_password})
        note(f"user {username} (password reset, enabled)")
    assignment.grant(db, "user", admin.id, "project", projects[project_name].id,
                     roles["admin"].id)
    assignment.grant(db, "user", admin.id, "system", None, roles["admin"].id)
    if region_id:
        try:
            catalog_service.get_region(db, region_id)
        except Exception:
            catalog_service.create_region(db, region_id=region_id)
            note(f"region {region_id}")
    if public_url:
        _identity_endpoints(db, note, region_id, service_name, {
            "public": public_url, "internal": internal_url or public_url,
            "admin": admin_url or public_url})
    return BootstrapResult(created, admin.id, projects[project_name].id)


def _identity_endpoints(db, note, region_id, service_name, urls):
    with db.reader() as session:
        service = session.execute(select(models.Service).where(
            models.Service.type == "identity")).scalars().first()
    if service is None:
        service = catalog_service.create_service(db, type_="identity", name=service_name)
        note("service identity")
    _endpoints(db, note, region_id, service, urls)

def register_service(db, revoker, policy, *, service_type, name, region_id=None,
                     public_url=None, internal_url=None, admin_url=None, username=None,
                     password=None, service_project_name="service") -> list[str]:
    """What a Sovra service needs in identity (idempotent): its catalog entry and
    endpoints, and its own service user holding the ``service`` role (and
    ``admin``, which services need to act across projects) on the service project."""
    created = []
    with db.reader() as session:
        service = session.execute(select(models.Service).where(
            models.Service.type == service_type)).scalars().first()
    if service is None:
        service = catalog_service.create_service(db, type_=service_type, name=name)
        created.append(f"service {service_type}")
    if region_id:
        try:
            catalog_service.get_region(db, region_id)
        except Exception:
            catalog_service.create_region(db, region_id=region_id)
            created.append(f"region {region_id}")
    if public_url:
        _endpoints(db, created.append, region_id, service, {
            "public": public_url, "internal": internal_url or public_url,
            "admin": admin_url or public_url})
    if username:
        if not password:
            raise ValueError("a service user needs a password")
        found = project_service.list_(db, name=service_project_name,
                                      domain_id=domain.DEFAULT_DOMAIN_ID)
        if not found:
            raise ValueError(f"no project {service_project_name!r}: run bootstrap first")
        user = user_service.find_by_name(db, username, domain.DEFAULT_DOMAIN_ID)
        if user is None:
            user = user_service.create(db, policy, name=username,
                                       domain_id=domain.DEFAULT_DOMAIN_ID,
                                       password=password)
            created.append(f"user {username}")
        elif not password_ok(user, password):
            user_service.update(db, revoker, policy, user.id, {"password": password})
            created.append(f"user {username} (password reset)")
        for role_name in ("service", "admin"):
            role = role_service.find_by_name(db, role_name)
            if role is None:
                raise ValueError(f"no role {role_name!r}: run bootstrap first")
            assignment.grant(db, "user", user.id, "project", found[0].id, role.id)
    return created


def password_ok(user, secret) -> bool:
    return password.check_password(secret, user.password_hash)


def _endpoints(db, note, region_id, service, urls):
    existing = {e.interface: e for e in catalog_service.list_endpoints(
        db, service_id=service.id, region_id=region_id)}
    for interface, url in urls.items():
        endpoint = existing.get(interface)
        if endpoint is None:
            catalog_service.create_endpoint(db, service_id=service.id, interface=interface,
                                            url=url, region_id=region_id)
            note(f"endpoint {service.type} {interface}")
        elif endpoint.url != url:
            catalog_service.update_endpoint(db, endpoint.id, {"url": url})
            note(f"endpoint {service.type} {interface} (url updated)")
