"""Where a backfill reads its input and keeps its work: a local folder, or an S3 prefix in AWS.

Input: ``<collection>.jsonl`` files (any subset). Work files: ``.backfill/<run_id>/…`` beside the
input. Output: ``backfill-report.json`` and ``backfill-rows.jsonl`` (beside the input, or ``out``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from customer_identity.use_cases.backfill.records import COLLECTIONS

WORK_FOLDER = ".backfill"


class Workspace(Protocol):
    location: str

    def collections(self) -> list[str]: ...
    def lines(self, collection: str) -> Iterator[str]: ...
    def read(self, name: str) -> str: ...
    def write(self, name: str, text: str) -> None: ...
    def exists(self, name: str) -> bool: ...
    def write_output(self, name: str, text: str) -> str: ...


class LocalWorkspace:
    def __init__(self, root: str | Path, out: str | Path | None = None) -> None:
        self.root = Path(root)
        self.out = Path(out) if out else self.root
        self.location = str(self.root)

    def collections(self) -> list[str]:
        return [name for name in COLLECTIONS if (self.root / f"{name}.jsonl").is_file()]

    def lines(self, collection: str) -> Iterator[str]:
        with (self.root / f"{collection}.jsonl").open(encoding="utf-8", errors="replace", newline="") as handle:
            for line in handle:
                yield line.rstrip("\r\n")

    def read(self, name: str) -> str:
        return (self.root / WORK_FOLDER / name).read_text(encoding="utf-8")

    def write(self, name: str, text: str) -> None:
        path = self.root / WORK_FOLDER / name
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(path.suffix + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)  # a crash never leaves half a file

    def exists(self, name: str) -> bool:
        return (self.root / WORK_FOLDER / name).is_file()

    def write_output(self, name: str, text: str) -> str:
        self.out.mkdir(parents=True, exist_ok=True)
        path = self.out / name
        temporary = path.with_suffix(path.suffix + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
        return str(path)


class S3Workspace:
    """``s3://bucket/prefix``: input objects under the prefix, work and output beside them."""

    def __init__(self, location: str) -> None:
        import boto3

        bucket, _, prefix = location.removeprefix("s3://").partition("/")
        self.bucket, self.prefix, self.location = bucket, prefix.strip("/"), location
        self._s3 = boto3.client("s3")

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def collections(self) -> list[str]:
        found = []
        for name in COLLECTIONS:
            listed = self._s3.list_objects_v2(Bucket=self.bucket, Prefix=self._key(f"{name}.jsonl"), MaxKeys=1)
            if listed.get("KeyCount"):
                found.append(name)
        return found

    def lines(self, collection: str) -> Iterator[str]:
        body = self._s3.get_object(Bucket=self.bucket, Key=self._key(f"{collection}.jsonl"))["Body"]
        for raw in body.iter_lines(keepends=False):
            yield raw.decode("utf-8", errors="replace").rstrip("\r")

    def read(self, name: str) -> str:
        return self._s3.get_object(Bucket=self.bucket, Key=self._key(f"{WORK_FOLDER}/{name}"))["Body"].read().decode()

    def write(self, name: str, text: str) -> None:
        self._s3.put_object(Bucket=self.bucket, Key=self._key(f"{WORK_FOLDER}/{name}"), Body=text.encode())

    def exists(self, name: str) -> bool:
        listed = self._s3.list_objects_v2(Bucket=self.bucket, Prefix=self._key(f"{WORK_FOLDER}/{name}"), MaxKeys=1)
        return bool(listed.get("KeyCount"))

    def write_output(self, name: str, text: str) -> str:
        self._s3.put_object(Bucket=self.bucket, Key=self._key(name), Body=text.encode())
        return f"s3://{self.bucket}/{self._key(name)}"


def open_workspace(location: str, out: str | None = None) -> Workspace:
    return S3Workspace(location) if location.startswith("s3://") else LocalWorkspace(location, out)
