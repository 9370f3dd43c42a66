"""Where the bytes of evidence live: a folder outside the web root (the default) or an S3-compatible bucket.

A store knows keys and bytes, nothing of cases: the database row (``Attachment``) says what a key holds. Keys
are made by the engine (``case-<id>/<random>``), never from anything a user typed.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Any, Protocol

_KEY = re.compile(r"^case-\d+/[0-9a-f]{32}$")


class EvidenceStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Keep ``data`` under ``key`` (a new key each time; never overwritten)."""

    def get(self, key: str) -> bytes:
        """The bytes kept under ``key``; ``FileNotFoundError`` when there are none."""

    def delete(self, key: str) -> None:
        """Forget ``key`` (no error when it is already gone)."""


def new_key(case_id: int) -> str:
    return f"case-{int(case_id)}/{secrets.token_hex(16)}"


def checked_key(key: str) -> str:
    if not _KEY.match(key):
        raise ValueError(f"not an evidence key: {key!r}")
    return key


class FilesystemStore:
    """Files under one folder, written whole (a temporary file renamed into place), readable by the app only."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / checked_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Store:
    """Objects in a bucket of any S3-compatible service (the ``s3`` extra installs boto3)."""

    def __init__(self, bucket: str, *, client: Any = None, prefix: str = "", **client_options: Any):
        if client is None:
            try:
                import boto3
            except ImportError:
                raise RuntimeError(
                    "ATTACHMENTS_S3_BUCKET is set but boto3 is missing: install complaints[s3]"
                ) from None
            client = boto3.client("s3", **{k: v for k, v in client_options.items() if v})
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def _key(self, key: str) -> str:
        return self.prefix + checked_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as exc:  # botocore's ClientError, without importing botocore here
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code in ("NoSuchKey", "404"):
                raise FileNotFoundError(key) from None
            raise
        return response["Body"].read()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))


def store_from_settings(settings: dict[str, Any]) -> EvidenceStore:
    """The S3 store when ``ATTACHMENTS_S3_BUCKET`` is set, else the folder ``ATTACHMENTS_DIR``."""
    bucket = settings.get("ATTACHMENTS_S3_BUCKET")
    if bucket:
        return S3Store(
            bucket,
            prefix=settings.get("ATTACHMENTS_S3_PREFIX") or "",
            endpoint_url=settings.get("ATTACHMENTS_S3_ENDPOINT"),
            region_name=settings.get("ATTACHMENTS_S3_REGION"),
        )
    folder = settings.get("ATTACHMENTS_DIR")
    if not folder:
        raise RuntimeError("ATTACHMENTS_DIR is not set")
    return FilesystemStore(folder)
