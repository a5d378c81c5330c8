"""(path, method) -> handler, for the whole Identity v3 API Sovra serves."""

from sovra_identity.api.handlers import (
    application_credential,
    assignment,
    auth,
    catalog,
    credential,
    domain,
    group,
    limit,
    project,
    role,
    root,
    user,
)


def _grant_routes() -> dict:
    table = {}
    for target in ("project", "domain"):
        for actor in ("user", "group"):
            base = f"/{target}s/<{target}_id>/{actor}s/<{actor}_id>/roles"
            h = assignment.grant_handlers(target, actor)
            table[f"/v3{base}"] = {"GET": h["GET"]}
            table[f"/v3{base}/<role_id>"] = {m: h[m] for m in ("PUT", "HEAD", "DELETE")}
            inherited = assignment.grant_handlers(target, actor, inherited=True)
            table[f"/v3/OS-INHERIT{base}/<role_id>/inherited_to_projects"] = {
                m: inherited[m] for m in ("PUT", "HEAD", "DELETE")}
            table[f"/v3/OS-INHERIT{base}/inherited_to_projects"] = {
                "GET": inherited["GET"]}
    for actor in ("user", "group"):
        h = assignment.grant_handlers("system", actor)
        table[f"/v3/system/{actor}s/<{actor}_id>/roles"] = {"GET": h["GET"]}
        table[f"/v3/system/{actor}s/<{actor}_id>/roles/<role_id>"] = {
            m: h[m] for m in ("PUT", "HEAD", "DELETE")}
    return table


ROUTES = {
    "/": {"GET": root.list_versions},
    "/v3": {"GET": root.show_version},
    # auth
    # HEAD of these paths is answered by their GET handler (Flask sends the headers
    # without the body).
    "/v3/auth/tokens": {"POST": auth.create_token, "GET": auth.validate_token,
                        "DELETE": auth.revoke_token},
    "/v3/auth/catalog": {"GET": auth.show_catalog},
    "/v3/auth/projects": {"GET": auth.list_auth_projects},
    "/v3/auth/domains": {"GET": auth.list_auth_domains},
    "/v3/auth/system": {"GET": auth.list_auth_system},
    # resources
    "/v3/domains": {"GET": domain.list_domains, "POST": domain.create_domain},
    "/v3/domains/<domain_id>": {"GET": domain.show_domain, "PATCH": domain.update_domain,
                                "DELETE": domain.delete_domain},
    "/v3/projects": {"GET": project.list_projects, "POST": project.create_project},
    "/v3/projects/<project_id>": {"GET": project.show_project,
                                  "PATCH": project.update_project,
                                  "DELETE": project.delete_project},
    "/v3/projects/<project_id>/tags": {"GET": project.list_project_tags,
                                       "PUT": project.replace_project_tags,
                                       "DELETE": project.delete_project_tags},
    "/v3/projects/<project_id>/tags/<tag>": {"GET": project.check_project_tag,
                                             "PUT": project.add_project_tag,
                                             "DELETE": project.delete_project_tag},
    "/v3/users": {"GET": user.list_users, "POST": user.create_user},
    "/v3/users/<user_id>": {"GET": user.show_user, "PATCH": user.update_user,
                            "DELETE": user.delete_user},
    "/v3/users/<user_id>/password": {"POST": user.change_password},
    "/v3/users/<user_id>/projects": {"GET": project.list_user_projects},
    "/v3/users/<user_id>/groups": {"GET": group.list_user_groups},
    "/v3/users/<user_id>/application_credentials": {
        "GET": application_credential.list_application_credentials,
        "POST": application_credential.create_application_credential},
    "/v3/users/<user_id>/application_credentials/<application_credential_id>": {
        "GET": application_credential.show_application_credential,
        "DELETE": application_credential.delete_application_credential},
    "/v3/groups": {"GET": group.list_groups, "POST": group.create_group},
    "/v3/groups/<group_id>": {"GET": group.show_group, "PATCH": group.update_group,
                              "DELETE": group.delete_group},
    "/v3/groups/<group_id>/users": {"GET": group.list_group_users},
    "/v3/groups/<group_id>/users/<user_id>": {"PUT": group.add_group_user,
                                              "HEAD": group.check_group_user,
                                              "DELETE": group.remove_group_user},
    "/v3/roles": {"GET": role.list_roles, "POST": role.create_role},
    "/v3/roles/<role_id>": {"GET": role.show_role, "PATCH": role.update_role,
                            "DELETE": role.delete_role},
    "/v3/roles/<prior_role_id>/implies": {"GET": role.list_implied_roles},
    "/v3/roles/<prior_role_id>/implies/<implied_role_id>": {
        "PUT": role.create_implied_role, "GET": role.show_implied_role,
        "DELETE": role.delete_implied_role},
    "/v3/role_inferences": {"GET": role.list_role_inferences},
    "/v3/role_assignments": {"GET": assignment.list_role_assignments},
    **_grant_routes(),
    # catalog
    "/v3/regions": {"GET": catalog.list_regions, "POST": catalog.create_region},
    "/v3/regions/<region_id>": {"GET": catalog.show_region, "PATCH": catalog.update_region,
                                "DELETE": catalog.delete_region},
    "/v3/services": {"GET": catalog.list_services, "POST": catalog.create_service},
    "/v3/services/<service_id>": {"GET": catalog.show_service,
                                  "PATCH": catalog.update_service,
                                  "DELETE": catalog.delete_service},
    "/v3/endpoints": {"GET": catalog.list_endpoints, "POST": catalog.create_endpoint},
    "/v3/endpoints/<endpoint_id>": {"GET": catalog.show_endpoint,
                                    "PATCH": catalog.update_endpoint,
                                    "DELETE": catalog.delete_endpoint},
    # credentials
    "/v3/credentials": {"GET": credential.list_credentials,
                        "POST": credential.create_credential},
    "/v3/credentials/<credential_id>": {"GET": credential.show_credential,
                                        "PATCH": credential.update_credential,
                                        "DELETE": credential.delete_credential},
    # unified limits
    "/v3/limits/model": {"GET": limit.show_limit_model},
    "/v3/registered_limits": {"GET": limit.list_registered_limits,
                              "POST": limit.create_registered_limits},
    "/v3/registered_limits/<registered_limit_id>": {
        "GET": limit.show_registered_limit, "PATCH": limit.update_registered_limit,
        "DELETE": limit.delete_registered_limit},
    "/v3/limits": {"GET": limit.list_limits, "POST": limit.create_limits},
    "/v3/limits/<limit_id>": {"GET": limit.show_limit, "PATCH": limit.update_limit,
                              "DELETE": limit.delete_limit},
}
