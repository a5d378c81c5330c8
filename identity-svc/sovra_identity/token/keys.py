"""The Fernet key repository: a directory of key files named by integers.

- ``0`` is the *staged* key: it decrypts nothing yet, it becomes the next primary.
  Every node has it before a rotation, so tokens made with it after the rotation
  are readable everywhere.
- the highest number is the *primary*: it encrypts new tokens (and decrypts).
- any others are *secondaries*: they only decrypt tokens issued before a rotation.

``rotate`` promotes the staged key to primary (under the next number), writes a
new staged key and drops the oldest secondaries beyond ``max_active_keys``.
"""

from __future__ import annotations

import os
import stat

from cryptography.fernet import Fernet, MultiFernet

from sovra_common import exception


class KeyRepositoryError(exception.SovraError):
    message = "The Fernet key repository is unusable."


def _key_files(path: str) -> dict[int, str]:
    try:
        names = os.listdir(path)
    except FileNotFoundError:
        return {}
    return {int(name): os.path.join(path, name) for name in names if name.isdigit()}


def load_keys(path: str) -> list[bytes]:
    """The keys, primary first, then secondaries (newest first), then staged.

    :raises KeyRepositoryError: no directory, or fewer than two keys (a staged and
        a primary): the service must not start without them.
    """
    files = _key_files(path)
    if len(files) < 2 or 0 not in files:
        raise KeyRepositoryError(
            f"Fernet key repository {path!r} has no usable keys; run "
            "`sovra-manage identity fernet setup`.")
    order = sorted((n for n in files if n != 0), reverse=True) + [0]
    keys = []
    for number in order:
        with open(files[number], "rb") as f:
            key = f.read().strip()
        try:
            Fernet(key)
        except ValueError as exc:
            raise KeyRepositoryError(f"Fernet key file {files[number]!r} is not a "
                                     "valid key.") from exc
        keys.append(key)
    return keys


def multi_fernet(path: str) -> MultiFernet:
    """Encrypts with the primary, decrypts with any key of the repository."""
    return MultiFernet([Fernet(k) for k in load_keys(path)])


def _write_key(path: str, number: int) -> None:
    final = os.path.join(path, str(number))
    tmp = os.path.join(path, f".{number}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(Fernet.generate_key())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, final)  # atomic: a reader never sees half a key


def _ensure_dir(path: str) -> None:
    os.makedirs(path, mode=0o700, exist_ok=True)
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        os.chmod(path, 0o700)


def setup(path: str) -> list[int]:
    """Create the repository with a staged key (0) and a primary (1) when it has no
    keys; leave an existing one alone. Returns the key numbers present."""
    _ensure_dir(path)
    files = _key_files(path)
    if not files:
        _write_key(path, 0)
        _write_key(path, 1)
    elif 0 not in files:
        _write_key(path, 0)
    return sorted(_key_files(path))


def rotate(path: str, max_active_keys: int) -> list[int]:
    """Staged -> new primary, a new staged key, oldest secondaries dropped so that at
    most ``max_active_keys`` remain. Returns the key numbers present."""
    if max_active_keys < 2:
        raise KeyRepositoryError("max_active_keys must be at least 2 (a staged and "
                                 "a primary key).")
    files = _key_files(path)
    if 0 not in files:
        raise KeyRepositoryError(f"Fernet key repository {path!r} has no staged key; "
                                 "run `sovra-manage identity fernet setup` first.")
    new_primary = max(files) + 1
    os.replace(files[0], os.path.join(path, str(new_primary)))
    _write_key(path, 0)
    numbers = sorted(n for n in _key_files(path) if n != 0)
    while len(numbers) + 1 > max_active_keys:
        os.remove(os.path.join(path, str(numbers.pop(0))))
    return sorted(_key_files(path))


class KeyRing:
    """The repository's keys as a MultiFernet, reloaded when the directory changes
    (a rotation on this node), checked with one stat() per use.

    :raises KeyRepositoryError: at construction, when there are no usable keys.
    """

    def __init__(self, path: str):
        self.path = path
        self._stamp = None
        self._crypto = None
        self._load()

    def _load(self) -> MultiFernet:
        try:
            stamp = os.stat(self.path).st_mtime_ns
        except OSError as exc:
            raise KeyRepositoryError(
                f"Fernet key repository {self.path!r} is unreadable ({exc.strerror}); "
                "run `sovra-manage identity fernet setup`.") from exc
        if stamp != self._stamp or self._crypto is None:
            self._crypto = multi_fernet(self.path)
            self._stamp = stamp
        return self._crypto

    def current(self) -> MultiFernet:
        try:
            return self._load()
        except (OSError, KeyRepositoryError):
            if self._crypto is None:
                raise
            return self._crypto  # keep serving with the keys we had

    def encrypt(self, data: bytes) -> bytes:
        return self.current().encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        return self.current().decrypt(token)
