"""``sovra keypair list|show|create|delete``."""

import os

from sovra_common.cli import command, errors, output
from sovra_compute import cli


class ListKeypair(command.Lister):
    """List your key pairs."""

    def take_action(self, parsed_args):
        keypairs = cli.client(self.cloud).list_keypairs()
        return output.listing(sorted(keypairs, key=lambda k: k["name"]),
                              [("Name", "name"), ("Fingerprint", "fingerprint"),
                               ("Type", "type")])


class ShowKeypair(command.ShowOne):
    """Show a key pair."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>")
        return parser

    def take_action(self, parsed_args):
        return output.show(cli.client(self.cloud).get_keypair(parsed_args.name))


class CreateKeypair(command.ShowOne):
    """Create a key pair: import a public key, or have one generated."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="the new key pair's name")
        parser.add_argument("--public-key", metavar="<file>",
                            help="import this public key (OpenSSH format) instead of "
                                 "generating a key pair")
        parser.add_argument("--private-key", metavar="<file>",
                            help="save a generated private key to this file (mode "
                                 "0600) instead of printing it")
        return parser

    def take_action(self, parsed_args):
        if parsed_args.public_key and parsed_args.private_key:
            raise errors.CommandError("--private-key is for a generated key pair, not "
                                      "with --public-key")
        public_key = None
        if parsed_args.public_key:
            with open(os.path.expanduser(parsed_args.public_key)) as f:
                public_key = f.read().strip()
        keypair = cli.client(self.cloud).create_keypair(parsed_args.name, public_key)
        if parsed_args.private_key and keypair.get("private_key"):
            fd = os.open(os.path.expanduser(parsed_args.private_key),
                         os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(keypair.pop("private_key"))
        return output.show(keypair)


class DeleteKeypair(command.Command):
    """Delete one or more key pairs."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("names", metavar="<name>", nargs="+")
        return parser

    def take_action(self, parsed_args):
        compute = cli.client(self.cloud)
        command.for_each(self, parsed_args.names, compute.delete_keypair, "keypair")
