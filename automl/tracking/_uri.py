"""Tracking URIs: the default local store, SQLite paths and redaction for logs.

This module does not import MLflow, so the CLI can build and print URIs cheaply.
"""

from __future__ import annotations

import re
from os import PathLike
from pathlib import Path
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

__all__ = ["default_tracking_uri", "redact_uri", "sqlite_db_path", "safe_folder_name"]

_SQLITE_PREFIX = "sqlite:///"
_UNSAFE_FOLDER_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def default_tracking_uri(root: str | PathLike[str] = "mlruns") -> str:
    """Return the default MLflow tracking URI: a SQLite database inside ``root``.

    The path is made absolute, so workers started from another directory write to the same
    store (MLflow also stores artifact locations as absolute paths).

    Args:
        root: Folder of the local store. Defaults to ``"mlruns"`` in the current directory.

    Returns:
        ``"sqlite:///<absolute root>/mlflow.db"``.

    Example:
        >>> default_tracking_uri("/tmp/store")
        'sqlite:////tmp/store/mlflow.db'
    """
    db_path = Path(root).expanduser().resolve() / "mlflow.db"
    return _SQLITE_PREFIX + db_path.as_posix()


def redact_uri(uri: str) -> str:
    """Hide the password of a URI, so it can be logged or printed.

    Args:
        uri: Any tracking or storage URI.

    Returns:
        The URI with its password replaced by ``***``; other URIs are returned unchanged.

    Example:
        >>> redact_uri("postgresql://user:secret@db.example.com:5432/mlflow")
        'postgresql://user:***@db.example.com:5432/mlflow'
        >>> redact_uri("sqlite:///mlruns/mlflow.db")
        'sqlite:///mlruns/mlflow.db'
    """
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def sqlite_db_path(uri: str) -> Path | None:
    """Return the database file of a ``sqlite:///`` URI, or None for any other URI.

    Args:
        uri: A tracking URI.

    Returns:
        The database path (absolute or relative to the current directory, as written), or None
        for non-SQLite URIs and in-memory databases.

    Example:
        >>> sqlite_db_path("sqlite:///mlruns/mlflow.db")
        PosixPath('mlruns/mlflow.db')
        >>> sqlite_db_path("postgresql://h/db") is None
        True
    """
    if not uri.startswith(_SQLITE_PREFIX):
        return None
    location = uri[len(_SQLITE_PREFIX) :].split("?", 1)[0]
    if location in ("", ":memory:"):
        return None
    return Path(location)


def safe_folder_name(name: str) -> str:
    """Turn an experiment name into a single, harmless folder name.

    Args:
        name: Any experiment name (it may contain slashes or spaces).

    Returns:
        The name with every run of characters other than letters, digits, ``.``, ``_`` and
        ``-`` replaced by ``_``; never empty, never ``.`` or ``..``.

    Example:
        >>> safe_folder_name("my study/v2")
        'my_study_v2'
    """
    cleaned = _UNSAFE_FOLDER_CHARS.sub("_", name).strip()
    return "_" if cleaned in ("", ".", "..") else cleaned
