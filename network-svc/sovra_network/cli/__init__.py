"""The network service's parts of the ``sovra`` CLI (``sovra.cli`` entry points):
network, subnet, subnet pool, port, router, floating ip (port forwarding),
security group (rule); and the agents' rows of ``sovra status``.

Nothing heavy at module level: ``sovra --help`` imports every command module. The
REST client (keystoneauth1) is imported on first use."""

from sovra_common.cli import errors


def client(cloud):
    """A NetworkClient on the invocation's session (imported on first use)."""
    from sovra_network.client import NetworkClient

    return NetworkClient(cloud.session, interface=cloud.interface,
                         region_name=cloud.region_name)


def find(kind: str, name_or_id: str, get, list_named, key: str = "name",
         label: str = "name") -> dict:
    """A resource by id (``get(id)``), else by exact ``key`` (``list_named(value)``:
    the resources with that value; ``label`` names the key in errors): exactly
    one, or a one-line CommandError."""
    import urllib.parse

    from keystoneauth1 import exceptions as ks_exc

    try:   # a name may hold "/", "?" or "#": one path segment whatever it holds
        return get(urllib.parse.quote(name_or_id, safe=""))
    except (ks_exc.NotFound, ks_exc.BadRequest):
        pass   # not an id (or not one we may see): try it as a name
    found = [item for item in list_named(name_or_id) if item.get(key) == name_or_id]
    if not found:
        article = "an" if label[0] in "aeiou" else "a"
        raise errors.CommandError(f"No {kind} with {article} {label} or id of "
                                  f"'{name_or_id}'.")
    if len(found) > 1:
        raise errors.CommandError(f"More than one {kind} has the {label} '{name_or_id}'; "
                                  "use its id.")
    return found[0]


def find_network(net, name_or_id: str) -> dict:
    return find("network", name_or_id, net.get_network,
                lambda name: net.list_networks(name=name))


def find_subnet(net, name_or_id: str) -> dict:
    return find("subnet", name_or_id, net.get_subnet,
                lambda name: net.list_subnets(name=name))


def find_subnet_pool(net, name_or_id: str) -> dict:
    return find("subnet pool", name_or_id, net.get_subnet_pool,
                lambda name: net.list_subnet_pools(name=name))


def find_port(net, name_or_id: str) -> dict:
    return find("port", name_or_id, net.get_port, lambda name: net.list_ports(name=name))


def find_router(net, name_or_id: str) -> dict:
    return find("router", name_or_id, net.get_router,
                lambda name: net.list_routers(name=name))


def find_security_group(net, name_or_id: str) -> dict:
    return find("security group", name_or_id, net.get_security_group,
                lambda name: net.list_security_groups(name=name))


def find_floating_ip(net, address_or_id: str) -> dict:
    return find("floating IP", address_or_id, net.get_floating_ip,
                lambda address: net.list_floating_ips(floating_ip_address=address),
                key="floating_ip_address", label="address")


def key_values(*known: str, required: tuple = ()):
    """An argparse type for ``k1=v1,k2=v2`` (``--fixed-ip subnet=s,ip-address=a``):
    a dict of the ``known`` keys; an unknown or missing key, or a piece without
    ``=``, is a usage error (exit status 2)."""
    import argparse

    def parse(text: str) -> dict:
        pairs = {}
        for piece in text.split(","):
            key, sep, value = piece.partition("=")
            key = key.strip()
            if not sep or not key:
                raise argparse.ArgumentTypeError(
                    f"{text!r}: expected " + ",".join(f"{k}=<value>" for k in known))
            if key not in known:
                raise argparse.ArgumentTypeError(
                    f"{text!r}: unknown key {key!r} (known: {', '.join(known)})")
            pairs[key] = value.strip()
        missing = [k for k in required if not pairs.get(k)]
        if missing:
            raise argparse.ArgumentTypeError(
                f"{text!r}: {' and '.join(missing)} required")
        return pairs

    return parse


def add_tag_options(parser, what: str, *, unset: bool = False) -> None:
    parser.add_argument("--tag", metavar="<tag>", dest="tags", action="append",
                        default=[], help=f"add this tag to the {what} (repeat for "
                                         "several)")
    if unset:
        parser.add_argument("--no-tag", action="store_true",
                            help=f"remove every tag of the {what} (before --tag)")


def apply_tags(net, collection: str, resource: dict, parsed_args) -> dict:
    """Give ``resource`` the tags the options ask for (--tag adds, --no-tag clears
    first); returns the resource with its new tags."""
    current = [] if getattr(parsed_args, "no_tag", False) else \
        list(resource.get("tags") or [])
    wanted = current + [t for t in parsed_args.tags if t not in current]
    if wanted == list(resource.get("tags") or []):
        return resource
    return dict(resource, tags=net.set_tags(collection, resource["id"], wanted))


def add_enable_options(parser, what: str) -> None:
    state = parser.add_mutually_exclusive_group()
    state.add_argument("--enable", dest="admin_state_up", action="store_true",
                       default=None, help=f"administratively up (the {what}'s default)")
    state.add_argument("--disable", dest="admin_state_up", action="store_false",
                       help="administratively down")


def add_port_security_options(parser, what: str) -> None:
    security = parser.add_mutually_exclusive_group()
    security.add_argument("--enable-port-security", dest="port_security_enabled",
                          action="store_true", default=None,
                          help="security groups and anti-spoofing apply to its "
                               f"ports (the {what}'s default)")
    security.add_argument("--disable-port-security", dest="port_security_enabled",
                          action="store_false",
                          help="no security groups nor anti-spoofing on its ports")


def attrs_from(parsed_args, *names: str, **renamed: str) -> dict:
    """The options that were given (not None), under the API's attribute names:
    ``names`` as they are, ``renamed`` as {api_name: option_dest}."""
    attrs = {}
    for name in names:
        value = getattr(parsed_args, name, None)
        if value is not None:
            attrs[name] = value
    for api_name, dest in renamed.items():
        value = getattr(parsed_args, dest, None)
        if value is not None:
            attrs[api_name] = value
    return attrs


def add_project_option(parser, help_text: str) -> None:
    parser.add_argument("--project", metavar="<project>", help=help_text)
    parser.add_argument("--project-domain", metavar="<domain>",
                        help="the domain of --project's name (name or id)")


def project_id(cloud, parsed_args) -> str | None:
    """The id of ``--project`` (name or id, looked up in identity), or None."""
    if not getattr(parsed_args, "project", None):
        return None
    from sovra_identity import cli as identity_cli

    identity = identity_cli.client(cloud)
    domain_id = None
    if parsed_args.project_domain:
        domain_id = identity.find_domain(parsed_args.project_domain)["id"]
    return identity.find_project(parsed_args.project, domain_id)["id"]
