"""``sovra credential create|list|show|delete`` (/v3/credentials: secrets such as EC2
keys or TOTP seeds kept encrypted by identity for a user)."""

from sovra_common.cli import command, output
from sovra_identity import cli

FIELDS = ["id", "type", "user_id", "project_id", "blob"]
COLUMNS = [("ID", "id"), ("Type", "type"), ("User ID", "user_id"), ("Data", "blob"),
           ("Project ID", "project_id")]


class CreateCredential(command.ShowOne):
    """Create a credential for a user."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("user", metavar="<user>", help="its owner (name or id)")
        parser.add_argument("data", metavar="<data>", help="the credential's data (blob)")
        parser.add_argument("--type", metavar="<type>", default="cert",
                            help="cert (default), ec2, totp or another type")
        parser.add_argument("--project", metavar="<project>",
                            help="the project it is for (name or id)")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        user_id = identity.find_user(parsed_args.user)["id"]
        project_id = (identity.find_project(parsed_args.project)["id"]
                      if parsed_args.project else None)
        cred = identity.create_credential(user_id, parsed_args.type, parsed_args.data,
                                          project_id=project_id)
        return output.show(cred, FIELDS)


class ListCredential(command.Lister):
    """List credentials (an admin's: all; a user's: their own)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--user", metavar="<user>", help="only this user's (name or id)")
        parser.add_argument("--type", metavar="<type>", help="only of this type")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        user_id = identity.find_user(parsed_args.user)["id"] if parsed_args.user else None
        creds = identity.list_credentials(user_id=user_id, type=parsed_args.type)
        return output.listing(creds, COLUMNS)


class ShowCredential(command.ShowOne):
    """Show a credential, by id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("credential", metavar="<credential-id>")
        return parser

    def take_action(self, parsed_args):
        cred = cli.client(self.cloud).get_credential(parsed_args.credential)
        return output.show(cred, FIELDS)


class DeleteCredential(command.Command):
    """Delete one or more credentials, by id."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("credentials", metavar="<credential-id>", nargs="+")
        return parser

    def take_action(self, parsed_args):
        identity = cli.client(self.cloud)
        command.for_each(self, parsed_args.credentials, identity.delete_credential,
                         "credential")
