"""``sovra token issue|revoke`` and ``sovra catalog list``."""

from sovra_common.cli import command, output
from sovra_identity import cli


class IssueToken(command.ShowOne):
    """Issue a token for the current credentials (the cached one while it is valid)."""

    def take_action(self, parsed_args):
        cloud = self.cloud
        if cloud.from_cache:
            # a cached token may have been revoked since: check it, log in once if so
            if not cli.client(cloud).check_token(cloud.access().auth_token):
                cloud.invalidate()
        access = cloud.access()
        token = {"id": access.auth_token,
                 "expires": access.expires.isoformat() if access.expires else None,
                 "user_id": access.user_id}
        if access.project_id:
            token["project_id"] = access.project_id
        if access.domain_id:
            token["domain_id"] = access.domain_id
        if getattr(access, "system_scoped", False):
            token["system"] = "all"
        return output.show(token, ["expires", "id", *sorted(set(token) - {"expires", "id"})])


class ListCatalog(command.Lister):
    """List the services in the catalog of the current token, with their endpoints."""

    def take_action(self, parsed_args):
        catalog = self.cloud.access().service_catalog.catalog or []
        rows = [{"name": s.get("name"), "type": s.get("type"),
                 "endpoints": [f"{e.get('region_id') or e.get('region') or ''} "
                               f"{e['interface']}: {e['url']}".strip()
                               for e in sorted(s.get("endpoints", []),
                                               key=lambda e: e.get("interface", ""))]}
                for s in catalog]
        return output.listing(sorted(rows, key=lambda r: r["type"] or ""),
                              [("Name", "name"), ("Type", "type"),
                               ("Endpoints", "endpoints")])


class RevokeToken(command.Command):
    """Revoke a token (your own, or anyone's as an admin)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("token", metavar="<token>", help="the token to revoke")
        return parser

    def take_action(self, parsed_args):
        cloud = self.cloud
        cli.client(cloud).revoke_token(parsed_args.token)
        if cloud.access().auth_token == parsed_args.token:
            cloud.invalidate()  # not to be written back to the token cache
