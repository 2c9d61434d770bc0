"""The per-user cache on disk: work worth keeping between commands, never data.

Compiling a metric with Ibis takes a tenth of a second or more, DuckDB milliseconds to run it, so the compiled
SQL (with its parameters unbound) is kept here, as are the working-day calendar a read-only database lacks and
each snapshot's plausibility shares (one number per rule). Entries hold no records: deleting the directory only
costs time.

Where: `CLEARSIGHT_CACHE_DIR`, else `$XDG_CACHE_HOME/clearsight`, else `~/.cache/clearsight`. Each entry is a
file named by the hash of its key and holds the key itself, so an entry written for something else (a
collision, another version of Clearsight, a truncated write) is never taken for this one. Writes go to a
temporary file then `os.replace`, so a reader sees a whole entry or none; a corrupt or unreadable entry is
ignored and rebuilt, and a cache directory that cannot be written just means nothing is kept.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

CACHE_ENV = "CLEARSIGHT_CACHE_DIR"


def cache_dir() -> Path:
    """The cache directory (not created until something is written)."""
    if override := os.environ.get(CACHE_ENV):
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "clearsight"


def key_hash(key: Any) -> str:
    """A stable name for a JSON-able key."""
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()


def _entry_path(kind: str, key: Any, suffix: str, root: Path | None = None) -> Path:
    return (root or cache_dir()) / kind / f"{key_hash(key)[:40]}{suffix}"


def read_json(kind: str, key: Any) -> dict[str, Any] | None:
    """The value stored under `key`, or None when there is none or it cannot be read as one."""
    try:
        entry = json.loads(_entry_path(kind, key, ".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("key") != json.loads(json.dumps(key, default=str)):
        return None
    value = entry.get("value")
    return value if isinstance(value, dict) else None


def write_json(kind: str, key: Any, value: dict[str, Any]) -> bool:
    """Store `value` under `key` atomically; False when the cache cannot be written (nothing is kept)."""
    text = json.dumps({"key": key, "value": value}, sort_keys=True, default=str)
    return _write_atomic(_entry_path(kind, key, ".json"), text.encode("utf-8"))


def read_bytes(kind: str, key: Any, root: Path | None = None) -> bytes | None:
    """Bytes stored under `key` by `write_bytes` (in `root` instead of the cache directory when given), or None.
    The key's hash heads the file, so a stale or truncated entry is rejected before the caller parses it."""
    try:
        data = _entry_path(kind, key, ".bin", root).read_bytes()
    except OSError:
        return None
    header = key_hash(key).encode() + b"\n"
    return data[len(header):] if data.startswith(header) else None


def write_bytes(kind: str, key: Any, data: bytes, root: Path | None = None) -> bool:
    return _write_atomic(_entry_path(kind, key, ".bin", root), key_hash(key).encode() + b"\n" + data)


def _write_atomic(path: Path, data: bytes) -> bool:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError:
        return False
    return True


@lru_cache(maxsize=1)
def source_fingerprint() -> str:
    """A hash of Clearsight's own source files, each named by its path, size and modification time: compiled SQL
    depends on the code that built it, and a working copy changes without its version number changing. (Hashing
    their contents cost a command a twentieth of a second; an edit or a checkout changes the time.)"""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


@lru_cache(maxsize=8)
def package_fingerprint(*names: str) -> tuple[tuple[str, str, int], ...]:
    """Where each installed package lives and when its `__init__` was written, found without importing it:
    a key for work a package's version shapes (compiled SQL depends on Ibis and SQLGlot), which changes
    when the package is upgraded or reinstalled. Importing Ibis to read its version would cost half a second
    a command; `importlib.metadata` nearly as much."""
    found = []
    for name in names:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec else None
        found.append((name, origin or "", Path(origin).stat().st_mtime_ns if origin else 0))
    return tuple(found)
