"""Where large exports go: S3 in AWS (multipart upload, presigned link), a folder under ``make run``.

API Gateway (REST) buffers a Lambda's whole answer and caps it at 6 MB, and Lambda's Python
runtime cannot stream a response, so a large CSV cannot travel in the answer itself. It is
written part by part to an object and the client is sent there (``303 See Other``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

MIB = 1024 * 1024
PART_SIZE = 8 * MIB  # S3 needs at least 5 MiB for every part but the last
CONTENT_TYPE = "text/csv; charset=utf-8"
LOCAL_URL_PREFIX = "/dev/exports/"


class S3ExportFiles:
    """A multipart upload, one part uploaded as soon as it fills (memory: one part), then a
    presigned GET link valid ``link_ttl_seconds``. A failure aborts the upload (no partial object)."""

    def __init__(
        self, bucket: str, *, link_ttl_seconds: int, prefix: str = "exports/", part_size: int = PART_SIZE
    ) -> None:
        import boto3

        self.bucket, self.prefix, self.part_size = bucket, prefix, part_size
        self.link_ttl_seconds = link_ttl_seconds
        self._s3: Any = boto3.client("s3")

    def write(self, name: str, chunks: Iterable[bytes]) -> str:
        key = f"{self.prefix}{name}"
        upload = self._s3.create_multipart_upload(
            Bucket=self.bucket,
            Key=key,
            ContentType=CONTENT_TYPE,
            ContentDisposition='attachment; filename="customers.csv"',
        )
        upload_id = upload["UploadId"]
        parts: list[dict[str, Any]] = []
        try:
            part = bytearray()
            for chunk in chunks:
                part += chunk
                if len(part) >= self.part_size:
                    parts.append(self._upload(key, upload_id, len(parts) + 1, bytes(part)))
                    part = bytearray()
            if part or not parts:
                parts.append(self._upload(key, upload_id, len(parts) + 1, bytes(part)))
            self._s3.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            self._s3.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            raise
        return self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=self.link_ttl_seconds
        )

    def _upload(self, key: str, upload_id: str, number: int, body: bytes) -> dict[str, Any]:
        answer = self._s3.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body)
        return {"PartNumber": number, "ETag": answer["ETag"]}


class LocalExportFiles:
    """``make run``'s stand-in: the file is written chunk by chunk into ``directory`` and served
    (streamed from disk) by the local server at ``/dev/exports/<name>`` while it is younger than
    the link's lifetime."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def write(self, name: str, chunks: Iterable[bytes]) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        partial = self.directory / f".{name}.partial"
        try:
            with partial.open("wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
            os.replace(partial, self.directory / name)
        finally:
            partial.unlink(missing_ok=True)
        return f"{LOCAL_URL_PREFIX}{name}"
