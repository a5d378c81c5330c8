"""`sovra-manage identity ...` commands (entry-point group sovra.manage.commands):

    identity-fernet = sovra_identity.cmd.manage:FERNET
    identity-bootstrap = sovra_identity.cmd.manage:BOOTSTRAP
    identity-register-service = sovra_identity.cmd.manage:REGISTER_SERVICE
    identity-credential-keys = sovra_identity.cmd.manage:CREDENTIAL_KEYS
"""

from __future__ import annotations

import os

from sovra_common.cmd.manage import CommandError, ManageCommand
from sovra_identity import conf as identity_conf
from sovra_identity.service import bootstrap
from sovra_identity.service.revocation import Revoker
from sovra_identity.service.user import PasswordPolicy
from sovra_identity.token import keys


def _conf(context):
    conf = context.conf
    if "token" not in conf:
        identity_conf.register_opts(conf)
    return conf


class FernetCommand(ManageCommand):
    service = "identity"
    name = "fernet"
    help = "Fernet token keys: setup (create the repository), rotate"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="fernet_action", metavar="ACTION",
                                        required=True)
        actions.add_parser("setup", help="create the key repository (staged + primary "
                                         "key) if it has no keys")
        actions.add_parser("rotate", help="promote the staged key to primary, add a new "
                                          "staged key, drop the oldest beyond "
                                          "[fernet_tokens] max_active_keys")

    def run(self, context, args):
        conf = _conf(context)
        path = conf.fernet_tokens.key_repository
        try:
            if args.fernet_action == "setup":
                numbers = keys.setup(path)
            else:
                numbers = keys.rotate(path, conf.fernet_tokens.max_active_keys)
        except OSError as exc:
            raise CommandError(f"key repository {path}: {exc}") from exc
        context.print(f"identity: fernet keys in {path}: "
                      f"{', '.join(str(n) for n in numbers)} (primary {max(numbers)})")


class CredentialKeysCommand(ManageCommand):
    service = "identity"
    name = "credential-keys"
    help = "keys that encrypt stored credentials (/v3/credentials): setup"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="credential_action", metavar="ACTION",
                                        required=True)
        actions.add_parser("setup", help="create the key repository if it has no keys")

    def run(self, context, args):
        path = _conf(context).credential.key_repository
        try:
            numbers = keys.setup(path)
        except OSError as exc:
            raise CommandError(f"key repository {path}: {exc}") from exc
        context.print(f"identity: credential keys in {path}: "
                      f"{', '.join(str(n) for n in numbers)}")


class BootstrapCommand(ManageCommand):
    service = "identity"
    name = "bootstrap"
    help = "create the default domain, roles, admin project/user, region, endpoints"

    def add_arguments(self, parser):
        parser.add_argument("--password", default=os.environ.get("SOVRA_BOOTSTRAP_PASSWORD"),
                            help="the admin user's password (or $SOVRA_BOOTSTRAP_PASSWORD)")
        parser.add_argument("--username", default="admin")
        parser.add_argument("--project-name", default="admin")
        parser.add_argument("--service-project-name", default="service")
        parser.add_argument("--region", default="RegionOne")
        parser.add_argument("--service-name", default="keystone")
        parser.add_argument("--public-url", help="identity's public endpoint URL")
        parser.add_argument("--internal-url", help="default: the public URL")
        parser.add_argument("--admin-url", help="default: the public URL")

    def run(self, context, args):
        if not args.password:
            raise CommandError("--password (or $SOVRA_BOOTSTRAP_PASSWORD) is required")
        conf = _conf(context)
        db = context.database()
        result = bootstrap.bootstrap(
            db, Revoker(db, conf.token.expiration),
            PasswordPolicy(conf.identity.password_hash_rounds),
            admin_password=args.password, username=args.username,
            project_name=args.project_name,
            service_project_name=args.service_project_name, region_id=args.region,
            public_url=args.public_url, internal_url=args.internal_url,
            admin_url=args.admin_url, service_name=args.service_name)
        for line in result.created:
            context.print(f"identity: created {line}")
        if not result.created:
            context.print("identity: already bootstrapped, nothing changed")


class RegisterServiceCommand(ManageCommand):
    service = "identity"
    name = "register-service"
    help = "add a service's catalog entry, endpoints and service user (idempotent)"

    def add_arguments(self, parser):
        parser.add_argument("--type", required=True, help="service type, e.g. placement")
        parser.add_argument("--name", required=True, help="service name, e.g. placement")
        parser.add_argument("--region", default="RegionOne")
        parser.add_argument("--public-url")
        parser.add_argument("--internal-url", help="default: the public URL")
        parser.add_argument("--admin-url", help="default: the public URL")
        parser.add_argument("--user", help="the service's own user (gets the service "
                                           "and admin roles on the service project)")
        parser.add_argument("--password", default=os.environ.get("SOVRA_SERVICE_PASSWORD"),
                            help="the service user's password (or $SOVRA_SERVICE_PASSWORD)")

    def run(self, context, args):
        if args.user and not args.password:
            raise CommandError("--user needs --password (or $SOVRA_SERVICE_PASSWORD)")
        conf = _conf(context)
        db = context.database()
        try:
            created = bootstrap.register_service(
                db, Revoker(db, conf.token.expiration),
                PasswordPolicy(conf.identity.password_hash_rounds),
                service_type=args.type, name=args.name, region_id=args.region,
                public_url=args.public_url, internal_url=args.internal_url,
                admin_url=args.admin_url, username=args.user, password=args.password)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for line in created:
            context.print(f"identity: created {line}")
        if not created:
            context.print(f"identity: {args.type} already registered, nothing changed")


FERNET = FernetCommand()
BOOTSTRAP = BootstrapCommand()
REGISTER_SERVICE = RegisterServiceCommand()
CREDENTIAL_KEYS = CredentialKeysCommand()
COMMANDS = (FERNET, BOOTSTRAP, REGISTER_SERVICE, CREDENTIAL_KEYS)
