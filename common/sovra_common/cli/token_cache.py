"""Tokens kept between ``sovra`` invocations, so a sequence of commands logs in once.

One file per identity, ``<cache dir>/tokens/<key>.json`` (mode 0600, directory
0700), where the key hashes what makes a login distinct: the cloud name, the auth
URL, the user and the scope. The file holds keystoneauth's auth state (the token
and its body: catalog, roles, expiry), never a password. An entry is used until
``EXPIRY_MARGIN`` before the token expires; an expired or unreadable entry is
ignored and removed.

The cache dir is ``$XDG_CACHE_HOME/sovra`` or ``~/.cache/sovra``.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
from pathlib import Path

#: a token this close to its expiry is not reused (a command may take a while)
EXPIRY_MARGIN = datetime.timedelta(seconds=60)

#: the identity elements of a login that make a cache entry distinct
KEY_FIELDS = ("auth_url", "username", "user_id", "user_domain_name", "user_domain_id",
              "project_name", "project_id", "project_domain_name", "project_domain_id",
              "domain_name", "domain_id", "system_scope", "application_credential_id",
              "application_credential_name")


def default_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"),
                                                            ".cache")
    return Path(base) / "sovra"


def cache_key(cloud: str | None, auth: dict) -> str:
    """A stable name for one login: cloud + auth URL + user + scope (no secrets)."""
    ident = {"cloud": cloud or ""}
    ident.update({k: str(auth[k]) for k in KEY_FIELDS if auth.get(k) not in (None, "")})
    blob = json.dumps(ident, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:32]


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _parse_time(value: str) -> datetime.datetime | None:
    try:
        when = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=datetime.UTC)


class TokenCache:
    """Load and store auth states by key. ``now`` is injectable for tests."""

    def __init__(self, directory: Path | str | None = None, now=_now):
        self.directory = Path(directory) if directory else default_dir()
        self._now = now

    def path(self, key: str) -> Path:
        return self.directory / "tokens" / f"{key}.json"

    def load(self, key: str) -> str | None:
        """The stored auth state, or None if absent, unreadable or about to expire."""
        path = self.path(key)
        try:
            entry = json.loads(path.read_text())
            state, expires = entry["auth_state"], _parse_time(entry["expires_at"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            self.forget(key)
            return None
        if expires is None or expires - EXPIRY_MARGIN <= self._now():
            self.forget(key)
            return None
        return state

    def store(self, key: str, auth_state: str, expires_at: str) -> None:
        """Write atomically, readable by the owner only (0600 in a 0700 dir)."""
        folder = self.path(key).parent
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(folder, 0o700)
        tmp = folder / f".{key}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w") as out:
                json.dump({"auth_state": auth_state, "expires_at": expires_at}, out)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path(key))
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def forget(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)
