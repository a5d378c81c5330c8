"""The REST client for the identity API (v3), used by the CLI and other services.

    client = IdentityClient(session)              # a keystoneauth1 session
    project = client.find_project("demo")         # by id or by name
    client.add_role(role["id"], user=user["id"], project=project["id"])

The endpoint comes from the catalog (service type ``identity``) unless
``endpoint_override`` is given; it may name the version (``.../v3``) or not. Methods
return the API's dicts. HTTP errors are raised as keystoneauth1 ``HttpError``s
(status, message and request id intact); a name that matches nothing raises
``NotFound``, one that matches several ``NoUniqueMatch``.
"""

from __future__ import annotations

from keystoneauth1 import adapter
from keystoneauth1 import exceptions as ks_exc

from sovra_common import exception


class NoUniqueMatch(exception.Conflict):
    message = "More than one %(kind)s is named %(name)s; use its id."


class IdentityClient:
    def __init__(self, session, *, endpoint_override: str | None = None,
                 interface: str = "public", region_name: str | None = None):
        self._api = adapter.Adapter(session, service_type="identity", interface=interface,
                                    region_name=region_name,
                                    endpoint_override=endpoint_override)
        self._prefix = None

    # -- plumbing -----------------------------------------------------------------------

    def _path(self, path: str) -> str:
        if self._prefix is None:
            endpoint = (self._api.get_endpoint() or "").rstrip("/")
            self._prefix = "" if endpoint.endswith("/v3") else "/v3"
        return self._prefix + path

    def _get(self, path, **params):
        params = {k: v for k, v in params.items() if v is not None}
        return self._api.get(self._path(path), params=params or None).json()

    def _post(self, path, body):
        return self._api.post(self._path(path), json=body).json()

    def _patch(self, path, body):
        return self._api.patch(self._path(path), json=body).json()

    def _delete(self, path):
        self._api.delete(self._path(path))

    @staticmethod
    def _given(attrs: dict) -> dict:
        return {k: v for k, v in attrs.items() if v is not None}

    def _find(self, kind: str, plural: str, name_or_id: str, **params) -> dict:
        """One resource by id, else by exact name (optionally within a domain)."""
        resp = self._api.get(self._path(f"/{plural}/{name_or_id}"), raise_exc=False)
        if resp.status_code == 200:
            return resp.json()[kind]
        if resp.status_code not in (403, 404):
            raise ks_exc.from_response(resp, "GET", resp.url)
        matches = self._get(f"/{plural}", name=name_or_id, **params)[plural]
        if not matches:
            raise exception.NotFound(f"No {kind} with a name or id of '{name_or_id}'.")
        if len(matches) > 1:
            raise NoUniqueMatch(kind=kind, name=name_or_id)
        return matches[0]

    # -- tokens and catalog -------------------------------------------------------------

    def check_token(self, token: str) -> bool:
        """Whether identity still accepts ``token`` (asked with that token itself,
        so a revoked or expired one gets False rather than a re-login)."""
        resp = self._api.head(self._path("/auth/tokens"), raise_exc=False,
                              allow_reauth=False,
                              headers={"X-Auth-Token": token, "X-Subject-Token": token})
        if resp.status_code in (200, 204):
            return True
        if resp.status_code in (401, 404):
            return False
        raise ks_exc.from_response(resp, "HEAD", resp.url)

    def catalog(self) -> list[dict]:
        return self._get("/auth/catalog")["catalog"]

    def revoke_token(self, token: str) -> None:
        """Revoke ``token`` (the caller's own, or any as an admin)."""
        self._api.delete(self._path("/auth/tokens"), headers={"X-Subject-Token": token})

    # -- domains ------------------------------------------------------------------------

    def find_domain(self, name_or_id: str) -> dict:
        return self._find("domain", "domains", name_or_id)

    def list_domains(self, **filters) -> list[dict]:
        return self._get("/domains", **filters)["domains"]

    def create_domain(self, name: str, **attrs) -> dict:
        return self._post("/domains", {"domain": {"name": name, **self._given(attrs)}})[
            "domain"]

    def update_domain(self, domain_id: str, **changes) -> dict:
        return self._patch(f"/domains/{domain_id}", {"domain": changes})["domain"]

    def delete_domain(self, domain_id: str) -> None:
        self._delete(f"/domains/{domain_id}")

    # -- projects -----------------------------------------------------------------------

    def list_projects(self, **filters) -> list[dict]:
        return self._get("/projects", **filters)["projects"]

    def list_my_projects(self) -> list[dict]:
        """The projects the caller has a role on (any user may ask)."""
        return self._get("/auth/projects")["projects"]

    def get_project(self, project_id: str) -> dict:
        return self._get(f"/projects/{project_id}")["project"]

    def find_project(self, name_or_id: str, domain_id: str | None = None) -> dict:
        return self._find("project", "projects", name_or_id, domain_id=domain_id)

    def create_project(self, name: str, **attrs) -> dict:
        body = {"name": name, **{k: v for k, v in attrs.items() if v is not None}}
        return self._post("/projects", {"project": body})["project"]

    def update_project(self, project_id: str, **changes) -> dict:
        return self._patch(f"/projects/{project_id}", {"project": changes})["project"]

    def delete_project(self, project_id: str) -> None:
        self._api.delete(self._path(f"/projects/{project_id}"))

    # -- users --------------------------------------------------------------------------

    def list_users(self, **filters) -> list[dict]:
        return self._get("/users", **filters)["users"]

    def get_user(self, user_id: str) -> dict:
        return self._get(f"/users/{user_id}")["user"]

    def find_user(self, name_or_id: str, domain_id: str | None = None) -> dict:
        return self._find("user", "users", name_or_id, domain_id=domain_id)

    def create_user(self, name: str, **attrs) -> dict:
        body = {"name": name, **{k: v for k, v in attrs.items() if v is not None}}
        return self._post("/users", {"user": body})["user"]

    def update_user(self, user_id: str, **changes) -> dict:
        return self._patch(f"/users/{user_id}", {"user": changes})["user"]

    def change_password(self, user_id: str, original: str, new: str) -> None:
        """A user's own password change (the original password is the credential)."""
        self._api.post(self._path(f"/users/{user_id}/password"),
                       json={"user": {"original_password": original, "password": new}})

    def delete_user(self, user_id: str) -> None:
        self._api.delete(self._path(f"/users/{user_id}"))

    # -- groups -------------------------------------------------------------------------

    def list_groups(self, **filters) -> list[dict]:
        return self._get("/groups", **filters)["groups"]

    def list_user_groups(self, user_id: str) -> list[dict]:
        return self._get(f"/users/{user_id}/groups")["groups"]

    def find_group(self, name_or_id: str, domain_id: str | None = None) -> dict:
        return self._find("group", "groups", name_or_id, domain_id=domain_id)

    def create_group(self, name: str, **attrs) -> dict:
        return self._post("/groups", {"group": {"name": name, **self._given(attrs)}})[
            "group"]

    def update_group(self, group_id: str, **changes) -> dict:
        return self._patch(f"/groups/{group_id}", {"group": changes})["group"]

    def delete_group(self, group_id: str) -> None:
        self._delete(f"/groups/{group_id}")

    def list_group_users(self, group_id: str) -> list[dict]:
        return self._get(f"/groups/{group_id}/users")["users"]

    def add_group_user(self, group_id: str, user_id: str) -> None:
        self._api.put(self._path(f"/groups/{group_id}/users/{user_id}"))

    def remove_group_user(self, group_id: str, user_id: str) -> None:
        self._delete(f"/groups/{group_id}/users/{user_id}")

    def group_has_user(self, group_id: str, user_id: str) -> bool:
        resp = self._api.head(self._path(f"/groups/{group_id}/users/{user_id}"),
                              raise_exc=False)
        if resp.status_code in (200, 204):
            return True
        if resp.status_code == 404:
            return False
        raise ks_exc.from_response(resp, "HEAD", resp.url)

    # -- roles and assignments ----------------------------------------------------------

    def list_roles(self, **filters) -> list[dict]:
        return self._get("/roles", **filters)["roles"]

    def find_role(self, name_or_id: str, domain_id: str | None = None) -> dict:
        return self._find("role", "roles", name_or_id, domain_id=domain_id)

    def create_role(self, name: str, **attrs) -> dict:
        return self._post("/roles", {"role": {"name": name, **self._given(attrs)}})["role"]

    def delete_role(self, role_id: str) -> None:
        self._delete(f"/roles/{role_id}")

    @staticmethod
    def _grant_path(role_id: str, *, user: str | None, group: str | None,
                    project: str | None, domain: str | None, system: bool,
                    inherited: bool) -> str:
        """The grant's URL: to a user or a group; on a project, a domain or the
        system (``all``); ``inherited``: OS-INHERIT, to the projects under it."""
        actor = f"users/{user}" if user else f"groups/{group}"
        if system:
            return f"/system/{actor}/roles/{role_id}"
        target = f"projects/{project}" if project else f"domains/{domain}"
        if inherited:
            return f"/OS-INHERIT/{target}/{actor}/roles/{role_id}/inherited_to_projects"
        return f"/{target}/{actor}/roles/{role_id}"

    def add_role(self, role_id: str, *, user: str | None = None, group: str | None = None,
                 project: str | None = None, domain: str | None = None,
                 system: bool = False, inherited: bool = False) -> None:
        self._api.put(self._path(self._grant_path(
            role_id, user=user, group=group, project=project, domain=domain,
            system=system, inherited=inherited)))

    def remove_role(self, role_id: str, *, user: str | None = None,
                    group: str | None = None, project: str | None = None,
                    domain: str | None = None, system: bool = False,
                    inherited: bool = False) -> None:
        self._api.delete(self._path(self._grant_path(
            role_id, user=user, group=group, project=project, domain=domain,
            system=system, inherited=inherited)))

    def list_role_assignments(self, *, user: str | None = None, project: str | None = None,
                              role: str | None = None, names: bool = False,
                              effective: bool = False) -> list[dict]:
        params = {"user.id": user, "scope.project.id": project, "role.id": role}
        if names:
            params["include_names"] = "true"
        if effective:
            params["effective"] = "true"
        return self._get("/role_assignments", **params)["role_assignments"]

    # -- catalog administration ---------------------------------------------------------

    def list_regions(self, **filters) -> list[dict]:
        return self._get("/regions", **filters)["regions"]

    def get_region(self, region_id: str) -> dict:
        return self._get(f"/regions/{region_id}")["region"]

    def create_region(self, region_id: str | None = None, **attrs) -> dict:
        body = self._given({"id": region_id, **attrs})
        return self._post("/regions", {"region": body})["region"]

    def update_region(self, region_id: str, **changes) -> dict:
        return self._patch(f"/regions/{region_id}", {"region": changes})["region"]

    def delete_region(self, region_id: str) -> None:
        self._delete(f"/regions/{region_id}")

    def list_services(self) -> list[dict]:
        return self._get("/services")["services"]

    def find_service(self, name_or_id: str) -> dict:
        """A service by id, else by name, else by type (as ``openstack`` finds one)."""
        resp = self._api.get(self._path(f"/services/{name_or_id}"), raise_exc=False)
        if resp.status_code == 200:
            return resp.json()["service"]
        if resp.status_code not in (403, 404):
            raise ks_exc.from_response(resp, "GET", resp.url)
        services = self.list_services()
        for key in ("name", "type"):
            matches = [s for s in services if s.get(key) == name_or_id]
            if len(matches) > 1:
                raise NoUniqueMatch(kind="service", name=name_or_id)
            if matches:
                return matches[0]
        raise exception.NotFound(f"No service with a name, type or id of '{name_or_id}'.")

    def create_service(self, service_type: str, **attrs) -> dict:
        body = {"type": service_type, **self._given(attrs)}
        return self._post("/services", {"service": body})["service"]

    def update_service(self, service_id: str, **changes) -> dict:
        return self._patch(f"/services/{service_id}", {"service": changes})["service"]

    def delete_service(self, service_id: str) -> None:
        self._delete(f"/services/{service_id}")

    def list_endpoints(self, **filters) -> list[dict]:
        return self._get("/endpoints", **filters)["endpoints"]

    def get_endpoint(self, endpoint_id: str) -> dict:
        return self._get(f"/endpoints/{endpoint_id}")["endpoint"]

    def create_endpoint(self, service_id: str, interface: str, url: str,
                        **attrs) -> dict:
        body = {"service_id": service_id, "interface": interface, "url": url,
                **self._given(attrs)}
        return self._post("/endpoints", {"endpoint": body})["endpoint"]

    def update_endpoint(self, endpoint_id: str, **changes) -> dict:
        return self._patch(f"/endpoints/{endpoint_id}", {"endpoint": changes})[
            "endpoint"]

    def delete_endpoint(self, endpoint_id: str) -> None:
        self._delete(f"/endpoints/{endpoint_id}")

    # -- application credentials --------------------------------------------------------

    def list_application_credentials(self, user_id: str, **filters) -> list[dict]:
        return self._get(f"/users/{user_id}/application_credentials", **filters)[
            "application_credentials"]

    def find_application_credential(self, user_id: str, name_or_id: str) -> dict:
        """One of the user's application credentials, by id or by name."""
        base = f"/users/{user_id}/application_credentials"
        resp = self._api.get(self._path(f"{base}/{name_or_id}"), raise_exc=False)
        if resp.status_code == 200:
            return resp.json()["application_credential"]
        if resp.status_code != 404:
            raise ks_exc.from_response(resp, "GET", resp.url)
        matches = self.list_application_credentials(user_id, name=name_or_id)
        if not matches:
            raise exception.NotFound(
                f"No application credential with a name or id of '{name_or_id}'.")
        return matches[0]

    def create_application_credential(self, user_id: str, name: str, **attrs) -> dict:
        body = {"name": name, **self._given(attrs)}
        return self._post(f"/users/{user_id}/application_credentials",
                          {"application_credential": body})["application_credential"]

    def delete_application_credential(self, user_id: str, app_cred_id: str) -> None:
        self._delete(f"/users/{user_id}/application_credentials/{app_cred_id}")

    # -- credentials --------------------------------------------------------------------

    def list_credentials(self, **filters) -> list[dict]:
        return self._get("/credentials", **filters)["credentials"]

    def get_credential(self, credential_id: str) -> dict:
        return self._get(f"/credentials/{credential_id}")["credential"]

    def create_credential(self, user_id: str, cred_type: str, blob: str,
                          project_id: str | None = None) -> dict:
        body = self._given({"user_id": user_id, "type": cred_type, "blob": blob,
                            "project_id": project_id})
        return self._post("/credentials", {"credential": body})["credential"]

    def delete_credential(self, credential_id: str) -> None:
        self._delete(f"/credentials/{credential_id}")

    # -- unified limits -----------------------------------------------------------------

    def list_registered_limits(self, **filters) -> list[dict]:
        return self._get("/registered_limits", **filters)["registered_limits"]

    def get_registered_limit(self, registered_limit_id: str) -> dict:
        return self._get(f"/registered_limits/{registered_limit_id}")["registered_limit"]

    def create_registered_limit(self, service_id: str, resource_name: str,
                                default_limit: int, **attrs) -> dict:
        body = {"service_id": service_id, "resource_name": resource_name,
                "default_limit": default_limit, **self._given(attrs)}
        return self._post("/registered_limits", {"registered_limits": [body]})[
            "registered_limits"][0]

    def update_registered_limit(self, registered_limit_id: str, **changes) -> dict:
        return self._patch(f"/registered_limits/{registered_limit_id}",
                           {"registered_limit": changes})["registered_limit"]

    def delete_registered_limit(self, registered_limit_id: str) -> None:
        self._delete(f"/registered_limits/{registered_limit_id}")

    def list_limits(self, **filters) -> list[dict]:
        return self._get("/limits", **filters)["limits"]

    def get_limit(self, limit_id: str) -> dict:
        return self._get(f"/limits/{limit_id}")["limit"]

    def create_limit(self, service_id: str, resource_name: str, resource_limit: int,
                     **attrs) -> dict:
        body = {"service_id": service_id, "resource_name": resource_name,
                "resource_limit": resource_limit, **self._given(attrs)}
        return self._post("/limits", {"limits": [body]})["limits"][0]

    def update_limit(self, limit_id: str, **changes) -> dict:
        return self._patch(f"/limits/{limit_id}", {"limit": changes})["limit"]

    def delete_limit(self, limit_id: str) -> None:
        self._delete(f"/limits/{limit_id}")

    # -- implied roles ------------------------------------------------------------------

    def create_implied_role(self, prior_id: str, implied_id: str) -> dict:
        return self._api.put(self._path(f"/roles/{prior_id}/implies/{implied_id}")
                             ).json()["role_inference"]

    def delete_implied_role(self, prior_id: str, implied_id: str) -> None:
        self._delete(f"/roles/{prior_id}/implies/{implied_id}")

    def list_role_inferences(self) -> list[dict]:
        return self._get("/role_inferences")["role_inferences"]
