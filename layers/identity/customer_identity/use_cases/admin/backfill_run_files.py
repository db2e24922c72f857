"""Where a console backfill run's files live: ``runs/<run_id>/`` in the backfill bucket (AWS), or a
folder under ``make run`` served by the local server through HMAC-signed, expiring links.

The state machine reads the run's folder (or prefix) as its workspace: the uploaded ``*.jsonl`` in
it, its work files in ``.backfill/<run_id>/``, the report and rows file written beside them.
"""

from __future__ import annotations

import hashlib
import hmac
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import quote

from customer_identity.use_cases.backfill.workspace import WORK_FOLDER

RUNS_PREFIX = "runs/"
LOCAL_URL_PREFIX = "/dev/backfill-files/"
FIRST_BYTES = 64 * 1024


class RunFiles(Protocol):
    def upload_link(self, run_id: str, name: str, ttl: int) -> str: ...
    def download_link(self, run_id: str, name: str, ttl: int) -> str | None: ...
    def names(self, run_id: str) -> set[str]: ...
    def first_bytes(self, run_id: str, name: str) -> bytes: ...
    @contextmanager
    def local_copy(self, run_id: str, name: str) -> Iterator[Path]: ...
    def put(self, run_id: str, name: str, stream: IO[bytes]) -> None: ...
    def location(self, run_id: str) -> str: ...
    def work_files(self, run_id: str) -> list[str]: ...


class S3RunFiles:
    def __init__(self, bucket: str, region: str) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        # Links name the bucket's regional host, the one origin the console's policy lets it upload to.
        self._s3: Any = boto3.client(
            "s3",
            region_name=region,
            endpoint_url=f"https://s3.{region}.amazonaws.com",
            config=Config(signature_version="s3v4", s3={"addressing_style": "virtual"}),
        )

    def _key(self, run_id: str, name: str) -> str:
        return f"{RUNS_PREFIX}{run_id}/{name}"

    def upload_link(self, run_id: str, name: str, ttl: int) -> str:
        params = {"Bucket": self.bucket, "Key": self._key(run_id, name)}
        return str(self._s3.generate_presigned_url("put_object", Params=params, ExpiresIn=ttl))

    def download_link(self, run_id: str, name: str, ttl: int) -> str | None:
        if name not in self.names(run_id):
            return None
        params = {
            "Bucket": self.bucket,
            "Key": self._key(run_id, name),
            "ResponseContentDisposition": f'attachment; filename="{name}"',
        }
        return str(self._s3.generate_presigned_url("get_object", Params=params, ExpiresIn=ttl))

    def names(self, run_id: str) -> set[str]:
        listed = self._s3.list_objects_v2(Bucket=self.bucket, Prefix=self._key(run_id, ""), Delimiter="/")
        return {entry["Key"].rpartition("/")[2] for entry in listed.get("Contents", [])}

    def first_bytes(self, run_id: str, name: str) -> bytes:
        try:
            answer = self._s3.get_object(
                Bucket=self.bucket, Key=self._key(run_id, name), Range=f"bytes=0-{FIRST_BYTES - 1}"
            )
        except self._s3.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") == "InvalidRange":
                return b""  # an empty file: S3 cannot serve a range of it
            raise
        return bytes(answer["Body"].read())

    @contextmanager
    def local_copy(self, run_id: str, name: str) -> Iterator[Path]:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / name
            self._s3.download_file(self.bucket, self._key(run_id, name), str(path))
            yield path

    def put(self, run_id: str, name: str, stream: IO[bytes]) -> None:
        self._s3.upload_fileobj(stream, self.bucket, self._key(run_id, name))

    def location(self, run_id: str) -> str:
        return f"s3://{self.bucket}/{RUNS_PREFIX}{run_id}"

    def work_files(self, run_id: str) -> list[str]:
        prefix = self._key(run_id, f"{WORK_FOLDER}/{run_id}/")
        found: list[str] = []
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            found += [entry["Key"].rpartition("/")[2] for entry in page.get("Contents", [])]
        return found


def link_signature(key: bytes, method: str, run_id: str, name: str, expires: int) -> str:
    message = f"{method}\n{run_id}\n{name}\n{expires}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def link_valid(key: bytes, method: str, run_id: str, name: str, expires: int, signature: str) -> bool:
    """A local link's signature is right and it has not expired."""
    expected = link_signature(key, method, run_id, name, expires)
    return hmac.compare_digest(expected, signature) and time.time() <= expires


class LocalRunFiles:
    """``make run``'s stand-in for the bucket: ``<directory>/<run_id>/<name>``; links are relative
    (``/dev/backfill-files/<run_id>/<name>?expires=…&sig=…``) and signed with ``key``."""

    def __init__(self, directory: str | Path, key: bytes) -> None:
        self.directory = Path(directory)
        self.key = key

    def _link(self, method: str, run_id: str, name: str, ttl: int) -> str:
        expires = int(time.time()) + ttl
        signature = link_signature(self.key, method, run_id, name, expires)
        return f"{LOCAL_URL_PREFIX}{quote(run_id)}/{quote(name)}?expires={expires}&sig={signature}"

    def upload_link(self, run_id: str, name: str, ttl: int) -> str:
        return self._link("PUT", run_id, name, ttl)

    def download_link(self, run_id: str, name: str, ttl: int) -> str | None:
        return self._link("GET", run_id, name, ttl) if (self.directory / run_id / name).is_file() else None

    def names(self, run_id: str) -> set[str]:
        folder = self.directory / run_id
        return {path.name for path in folder.iterdir() if path.is_file()} if folder.is_dir() else set()

    def first_bytes(self, run_id: str, name: str) -> bytes:
        with (self.directory / run_id / name).open("rb") as handle:
            return handle.read(FIRST_BYTES)

    @contextmanager
    def local_copy(self, run_id: str, name: str) -> Iterator[Path]:
        yield self.directory / run_id / name

    def put(self, run_id: str, name: str, stream: IO[bytes]) -> None:
        path = self.directory / run_id / name
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{name}.partial")
        with partial.open("wb") as handle:
            shutil.copyfileobj(stream, handle)
        partial.replace(path)

    def location(self, run_id: str) -> str:
        return str((self.directory / run_id).resolve())

    def work_files(self, run_id: str) -> list[str]:
        folder = self.directory / run_id / WORK_FOLDER / run_id
        return [path.name for path in folder.iterdir()] if folder.is_dir() else []
