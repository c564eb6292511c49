"""An upload kept between its preview and the user's confirmation.

The file is stored under the instance folder by a random token, with who uploaded it, for
which partnership and import; only that user can confirm it, and it is deleted once
imported or after PENDING_MINUTES. Never in the session cookie; its name is not kept.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

PENDING_MINUTES = 60
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class Pending:
    """A stored upload: its bytes and what it was uploaded for."""

    data: bytes
    partnership_id: int


def _folder() -> Path:
    folder = Path(current_app.config.get("IMPORT_FOLDER")
                  or Path(current_app.instance_path) / "imports")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def save(data: bytes, *, user_id: int, partnership_id: int, import_name: str) -> str:
    """Store an upload; returns its token."""
    remove_expired()
    token = secrets.token_urlsafe(32)
    folder = _folder()
    meta = {"user_id": user_id, "partnership_id": partnership_id, "import": import_name,
            "saved": time.time()}
    _write_private(folder / f"{token}.xlsx", data)
    _write_private(folder / f"{token}.json", json.dumps(meta).encode())
    return token


def _write_private(path: Path, data: bytes) -> None:
    """Write a file only the app's own user may read (it holds personal data)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def load(token: str, *, user_id: int, import_name: str) -> Pending | None:
    """The upload stored under `token` for this user and import, or None."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    folder = _folder()
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
        data = (folder / f"{token}.xlsx").read_bytes()
    except (OSError, ValueError):
        return None
    if _expired(meta):
        discard(token)
        return None
    if meta.get("user_id") != user_id or meta.get("import") != import_name:
        return None
    return Pending(data, meta["partnership_id"])


def discard(token: str) -> None:
    """Delete a stored upload (after importing it)."""
    if isinstance(token, str) and _TOKEN.fullmatch(token):
        for suffix in (".xlsx", ".json"):
            (_folder() / f"{token}{suffix}").unlink(missing_ok=True)


def _expired(meta) -> bool:
    return time.time() - meta.get("saved", 0) > PENDING_MINUTES * 60


def remove_expired() -> None:
    """Delete uploads nobody confirmed in time (they hold personal data)."""
    for path in _folder().glob("*.json"):
        try:
            expired = _expired(json.loads(path.read_text()))
        except (OSError, ValueError):
            expired = True
        if expired:
            path.unlink(missing_ok=True)
            path.with_suffix(".xlsx").unlink(missing_ok=True)
