"""What an uploaded export must be before a backfill reads it: the six JSON Lines files (any of them),
or one zip of them, unpacked here with its member names and sizes checked (no paths out of the
run's folder, no zip bomb). Each refusal is a 422 naming the file."""

from __future__ import annotations

import json
import zipfile
from pathlib import PurePosixPath
from typing import IO

from customer_identity.core.errors import InvalidExportFile
from customer_identity.use_cases.admin.backfill_run_files import FIRST_BYTES, RunFiles
from customer_identity.use_cases.backfill.records import COLLECTIONS

EXPORT_FILES = tuple(f"{name}.jsonl" for name in COLLECTIONS)
ZIP_NAME = "export.zip"
MAX_UNPACKED_BYTES = 1024**3  # all members together
MAX_RATIO = 100  # uncompressed / compressed, per member
BLOCK = 1024 * 1024


def unpack_zip(files: RunFiles, run_id: str) -> None:
    """Store each ``<collection>.jsonl`` of the run's ``export.zip`` beside it."""
    if ZIP_NAME not in files.names(run_id):
        raise InvalidExportFile(ZIP_NAME, f"{ZIP_NAME} was not uploaded: PUT it to its upload link first")
    with files.local_copy(run_id, ZIP_NAME) as path:
        try:
            archive = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            raise InvalidExportFile(ZIP_NAME, f"{ZIP_NAME} is not a zip file") from None
        with archive:
            members = _members(archive)
            for name, info in members.items():
                with archive.open(info) as stream:
                    files.put(run_id, name, _Bounded(stream, info.file_size, info.filename))


def _members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The export files in the archive by name; anything unsafe or unexpected is refused."""
    found: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in archive.infolist():
        if info.is_dir():
            continue
        path = PurePosixPath(info.filename)
        if info.filename.startswith("__MACOSX/") or path.name.startswith("._"):
            continue  # the resource forks macOS adds to every zip
        unsafe = "\\" in info.filename or path.is_absolute() or ".." in path.parts or len(path.parts) > 2
        if unsafe:
            raise InvalidExportFile(
                ZIP_NAME, f"{ZIP_NAME} holds {info.filename!r}: only the export files, at most one folder deep"
            )
        if path.name not in EXPORT_FILES:
            raise InvalidExportFile(
                ZIP_NAME, f"{ZIP_NAME} holds {info.filename!r}, which is not one of {', '.join(EXPORT_FILES)}"
            )
        if path.name in found:
            raise InvalidExportFile(ZIP_NAME, f"{ZIP_NAME} holds {path.name} twice")
        total += info.file_size
        if total > MAX_UNPACKED_BYTES or info.file_size > MAX_RATIO * max(info.compress_size, 1024):
            raise InvalidExportFile(ZIP_NAME, f"{ZIP_NAME} unpacks to more than this service reads at once")
        found[path.name] = info
    if not found:
        raise InvalidExportFile(ZIP_NAME, f"{ZIP_NAME} holds none of {', '.join(EXPORT_FILES)}")
    return found


class _Bounded:
    """A member's stream that refuses to yield more bytes than its header declared."""

    def __init__(self, stream: IO[bytes], limit: int, name: str) -> None:
        self.stream, self.left, self.name = stream, limit, name

    def read(self, size: int = BLOCK) -> bytes:
        block = self.stream.read(BLOCK if size is None or size < 0 else size)
        self.left -= len(block)
        if self.left < 0:
            raise InvalidExportFile(ZIP_NAME, f"{self.name} in {ZIP_NAME} is larger than its header says")
        return block


def check_export(files: RunFiles, run_id: str) -> list[str]:
    """The export files uploaded for the run, each checked to be JSON Lines; 422 naming the file otherwise."""
    present = sorted(files.names(run_id) & set(EXPORT_FILES), key=EXPORT_FILES.index)
    if not present:
        raise InvalidExportFile("files", f"no export file was uploaded: PUT any of {', '.join(EXPORT_FILES)}")
    for name in present:
        _check_json_lines(name, files.first_bytes(run_id, name))
    return present


def _check_json_lines(name: str, head: bytes) -> None:
    lines = head.split(b"\n")
    if len(lines) == 1 and len(head) >= FIRST_BYTES:
        return  # a first line longer than what was read: the backfill itself holds it if it is not JSON
    complete = lines[:-1] if len(lines) > 1 else lines  # the last piece may be cut at the read's end
    first = next((line.strip() for line in complete if line.strip()), None)
    if first is None:
        return  # an empty file: no rows
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidExportFile(name, f"{name} is not UTF-8 text (JSON Lines)") from None
    try:
        row = json.loads(text)
    except ValueError:
        raise InvalidExportFile(name, f"{name} is not JSON Lines: its first line is not JSON") from None
    if not isinstance(row, dict):
        raise InvalidExportFile(name, f"{name} is not JSON Lines: its first line is not a JSON object")


def is_export_name(name: str) -> bool:
    return name in EXPORT_FILES or name == ZIP_NAME


def upload_names(kind: str) -> tuple[str, ...]:
    return (ZIP_NAME,) if kind == "zip" else EXPORT_FILES
