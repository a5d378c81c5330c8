"""Thin wrappers of the ``ip``, ``bridge`` and ``nft`` programs, in a namespace.

Why subprocesses rather than pyroute2: iproute2 and nftables are already on every
node (no new dependency), their JSON output (``ip -j``, ``nft -j``) is stable, the
commands are exactly what an operator types to inspect the node, and ``nft -f``
gives atomic rule-set transactions that pyroute2 does not wrap. The cost (a few
milliseconds per call) matters little at one agent per node and is kept down by
reading state in bulk (one ``ip -j link`` per sync).

``Netns(name)`` runs every command inside network namespace ``name``
(``ip -n <name>``, ``bridge -n``, ``ip netns exec <name> ...`` for other programs);
``Netns(None)`` runs them in the agent's own namespace. In tests a "node" is itself
a namespace, so the agent's whole world is one ``Netns``; the namespaces it creates
(qdhcp-, qrouter-) are siblings in the flat namespace list.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
from collections.abc import Sequence

LOG = logging.getLogger(__name__)

NETNS_DIR = "/run/netns"


class CommandFailed(RuntimeError):
    def __init__(self, argv: Sequence[str], returncode: int, stderr: str):
        self.argv, self.returncode, self.stderr = list(argv), returncode, stderr
        super().__init__(f"{' '.join(argv)}: exit {returncode}: {stderr.strip()}")


def run(argv: Sequence[str], *, input: str | None = None, check: bool = True) -> str:
    """Run ``argv``; return its stdout; raise ``CommandFailed`` when it fails and
    ``check`` is true."""
    proc = subprocess.run(list(argv), input=input, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise CommandFailed(argv, proc.returncode, proc.stderr)
    return proc.stdout


def list_namespaces() -> list[str]:
    try:
        return sorted(os.listdir(NETNS_DIR))
    except FileNotFoundError:
        return []


def add_namespace(name: str) -> None:
    if name not in list_namespaces():
        run(["ip", "netns", "add", name])


def delete_namespace(name: str) -> None:
    if name in list_namespaces():
        run(["ip", "netns", "delete", name])


def namespace_id(name: str) -> tuple[int, int] | None:
    """Network namespace ``name``'s identity (the nsfs inode behind
    ``/run/netns/<name>``): one deleted and made again under the same name has
    another. None if there is none."""
    return _nsfs_id(os.path.join(NETNS_DIR, name))


def process_namespace_id(pid: int) -> tuple[int, int] | None:
    """The identity of the network namespace process ``pid`` runs in."""
    return _nsfs_id(f"/proc/{pid}/ns/net")


def _nsfs_id(path: str) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


class Netns:
    """Commands in one network namespace (``None``: the current one)."""

    def __init__(self, name: str | None = None):
        self.name = name

    def __repr__(self) -> str:
        return f"Netns({self.name!r})"

    # --- running ----------------------------------------------------------------
    def _n(self) -> list[str]:
        return ["-n", self.name] if self.name else []

    def exec_argv(self, argv: Sequence[str]) -> list[str]:
        """``argv`` as run inside this namespace."""
        if self.name:
            return ["ip", "netns", "exec", self.name, *argv]
        return list(argv)

    def execute(self, argv: Sequence[str], *, input: str | None = None,
                check: bool = True) -> str:
        return run(self.exec_argv(argv), input=input, check=check)

    def ip(self, *args: str, check: bool = True) -> str:
        return run(["ip", *self._n(), *args], check=check)

    def ip_batch(self, commands: Sequence[Sequence[str]]) -> None:
        """Run many ``ip`` commands (each without the leading ``ip``) in one process
        (``ip -batch -``): hundreds of link changes in milliseconds rather than
        seconds. Raises ``CommandFailed`` at the first that fails; the ones before
        it took effect."""
        if commands:
            script = "".join(" ".join(command) + "\n" for command in commands)
            run(["ip", *self._n(), "-batch", "-"], input=script)

    def ip_json(self, *args: str) -> list[dict]:
        out = run(["ip", *self._n(), "-j", *args])
        return json.loads(out) if out.strip() else []

    def bridge(self, *args: str, check: bool = True) -> str:
        return run(["bridge", *self._n(), *args], check=check)

    def bridge_json(self, *args: str) -> list[dict]:
        out = run(["bridge", *self._n(), "-j", *args])
        return json.loads(out) if out.strip() else []

    def nft(self, script: str) -> None:
        """Apply ``script`` as one atomic transaction (``nft -f -``)."""
        self.execute(["nft", "-f", "-"], input=script)

    def nft_json(self, *args: str) -> dict:
        out = self.execute(["nft", "-j", *args])
        return json.loads(out) if out.strip() else {}

    def sysctl(self, key: str, value: str) -> None:
        path = "/proc/sys/" + key.replace(".", "/")
        self.execute(["sh", "-c", f"echo {value} > {path}"])

    # --- links --------------------------------------------------------------------
    def links(self) -> dict[str, dict]:
        """Every link by name, with details (``ip -j -d link``): ``master``,
        ``mtu``, ``address``, ``operstate``, ``linkinfo.info_kind``..."""
        return {link["ifname"]: link for link in self.ip_json("-d", "link", "show")}

    def addresses(self, device: str) -> list[str]:
        """``device``'s addresses as ``ip/prefixlen`` (global scope)."""
        out = []
        for link in self.ip_json("addr", "show", "dev", device):
            for info in link.get("addr_info", ()):
                if info.get("scope") == "global":
                    out.append(f"{info['local']}/{info['prefixlen']}")
        return out

    def set_addresses(self, device: str, wanted: Sequence[str]) -> None:
        """Make ``device``'s global addresses exactly ``wanted`` (``ip/len``)."""
        have = set(self.addresses(device))
        for cidr in sorted(have - set(wanted)):
            self.ip("addr", "del", cidr, "dev", device)
        for cidr in wanted:
            if cidr not in have:
                self.ip("addr", "add", cidr, "dev", device)

    def delete_link(self, name: str) -> None:
        self.ip("link", "del", "dev", name, check=False)
