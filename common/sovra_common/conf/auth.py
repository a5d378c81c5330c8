"""[auth] options (how API requests are authenticated) and [service_auth] (the
service's own credentials, used to ask identity whether a user's token is valid).

``[service_auth]`` belongs to keystoneauth1: its base and session options are
registered here, the options of the chosen plugin (``auth_type = password``:
auth_url, username, password, user_domain_name, project_name, ...) when the plugin
is loaded. ``list_opts`` lists the ``password`` plugin's options so that the sample
config shows them.
"""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

from sovra_common.conf import groups

GROUP = cfg.OptGroup("auth", title="API request authentication")

SERVICE_AUTH_GROUP = cfg.OptGroup(
    "service_auth", title="The service's own identity credentials",
    help="keystoneauth1 plugin and session options for the service user. The auth "
         "middleware authenticates with them to validate users' tokens; usually "
         "auth_type = password with auth_url, username, user_domain_name, password, "
         "project_name and project_domain_name of a user holding the 'service' role.")

OPTS = [
    cfg.StrOpt("strategy", default="keystone",
               choices=[("keystone", "validate X-Auth-Token against the identity "
                                     "service"),
                        ("noauth", "trust the X-Auth-Token value as <user>:<project> "
                                   "(tests and lite development ONLY; anyone can be "
                                   "anyone)")],
               help="How API requests are authenticated."),
    cfg.IntOpt("token_cache_ttl", default=30, min=0,
               help="Seconds a validated token is served from this process's cache "
                    "before identity is asked again; 0 disables the cache. A revoked "
                    "token is dropped at once when the revocation notification "
                    "arrives; this TTL is the longest a revoked token can still be "
                    "accepted if that notification is lost. Longer means fewer calls "
                    "to identity and a longer exposure window."),
    cfg.IntOpt("token_cache_size", default=10000, min=1,
               help="Most tokens kept in the cache; the least recently used one is "
                    "evicted first."),
    cfg.URIOpt("www_authenticate_uri",
               help="Public identity URL sent to clients in the WWW-Authenticate "
                    "header of a 401 (Keystone uri=\"...\"). Defaults to the "
                    "[service_auth] auth_url."),
    cfg.ListOpt("public_paths", default=[],
                help="Extra request paths (exact, trailing '/' ignored) served to GET "
                     "and HEAD without a token, with an anonymous context. Services "
                     "pass their own version-discovery paths in code."),
    cfg.StrOpt("identity_interface", default="internal",
               choices=[("public", "the endpoint clients use"),
                        ("internal", "the endpoint on the services' network"),
                        ("admin", "the admin endpoint, where a deployment has one")],
               help="Catalog interface of the identity endpoint used to validate "
                    "tokens."),
    cfg.StrOpt("identity_region_name",
               help="Catalog region of the identity endpoint used to validate tokens; "
                    "unset takes the first one listed."),
    cfg.FloatOpt("identity_timeout", default=5.0, min=0.1,
                 help="Seconds to wait for identity (token validation, and the "
                      "service's own login unless [service_auth] timeout is set). A "
                      "request whose token cannot be checked in time gets 503."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    groups.register(conf, GROUP, OPTS)
    conf.register_group(groups.fresh(SERVICE_AUTH_GROUP))
    ks_loading.register_auth_conf_options(conf, SERVICE_AUTH_GROUP.name)
    ks_loading.register_session_conf_options(conf, SERVICE_AUTH_GROUP.name)


def _service_auth_opts() -> list:
    seen, result = set(), []
    for opt in (ks_loading.get_auth_common_conf_options()
                + ks_loading.get_session_conf_options()
                + ks_loading.get_auth_plugin_conf_options("password")):
        if opt.dest not in seen:
            seen.add(opt.dest)
            result.append(opt)
    return result


def list_opts():
    return [(GROUP, OPTS), (SERVICE_AUTH_GROUP, _service_auth_opts())]
