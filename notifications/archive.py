"""Closure archives: one zip with a manifest (every file's path, size, SHA-256; the CoP's metadata; the
schema version), written under a temporary name, fsynced, renamed, then re-read and verified.

Pure file I/O: what goes in comes from copflow.services.closing.contents; nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lifecycle.errors import CopflowError
from notifications.input_limits import MAX_PART_BYTES, LimitExceeded, check_json_depth

MANIFEST = "manifest.json"
FORMAT = "copflow-archive/1"


class ArchiveError(CopflowError):
    """An archive could not be written safely, or does not verify (`value` names the archive or member)."""


@dataclass
class Verification:
    path: Path
    ok: bool
    files: int = 0
    manifest_sha256: str = ""
    problems: list[str] = field(default_factory=list)


def safe_target(folder: Path, name: str) -> Path:
    """The archive's path, refusing any name that would leave `folder` (traversal, absolute, separators)."""
    if not name or name != Path(name).name or name.startswith(".") or "\x00" in name:
        raise ArchiveError(f"archive name {name!r} is not a plain file name", value=name)
    root = folder.resolve()
    target = (root / name).resolve()
    if target.parent != root:
        raise ArchiveError(f"archive name {name!r} leaves the archive folder {root}", value=name)
    return target


def write_archive(folder: Path, name: str, files: dict[str, bytes], metadata: dict[str, Any], *,
                  before_rename: Callable[[Path], None] | None = None) -> tuple[Path, str]:
    """Write `files` and their manifest to folder/name; returns (path, SHA-256 of the manifest).

    A crash leaves at most a `.partial-*` file, never a half archive under the final name.
    """
    for path in files:
        if path == MANIFEST or path.startswith(("/", "\\")) or ".." in Path(path).parts:
            raise ArchiveError(f"archive member {path!r} is not a relative path inside the archive", value=path)
    folder.mkdir(parents=True, exist_ok=True)
    target = safe_target(folder, name)
    manifest = {"format": FORMAT, **metadata,
                "files": [{"path": p, "size": len(b), "sha256": hashlib.sha256(b).hexdigest()}
                          for p, b in sorted(files.items())]}
    manifest_bytes = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8")
    partial = target.with_name(f".{target.name}.partial-{uuid.uuid4().hex}")
    try:
        with open(partial, "wb") as raw:
            with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(MANIFEST, manifest_bytes)
                for p, b in sorted(files.items()):
                    zf.writestr(p, b)
            raw.flush()
            os.fsync(raw.fileno())
        if before_rename is not None:
            before_rename(partial)
        os.replace(partial, target)
        _fsync_dir(folder)
    finally:
        partial.unlink(missing_ok=True)
    return target, hashlib.sha256(manifest_bytes).hexdigest()


def verify_archive(path: Path) -> Verification:
    """Re-read every member and compare its size and SHA-256 with the manifest; no member may be missing
    or extra."""
    v = Verification(Path(path), ok=False)
    try:
        with zipfile.ZipFile(path) as zf:
            if zf.getinfo(MANIFEST).file_size > MAX_PART_BYTES:
                raise ValueError(f"its manifest unpacks to more than {MAX_PART_BYTES:,} bytes")
            manifest_bytes = zf.read(MANIFEST)
            v.manifest_sha256 = hashlib.sha256(manifest_bytes).hexdigest()
            check_json_depth(manifest_bytes.decode("utf-8"))
            manifest = json.loads(manifest_bytes)
            listed = {f["path"]: f for f in manifest["files"]}
            present = set(zf.namelist()) - {MANIFEST}
            v.problems += [f"{p}: listed in the manifest but missing" for p in sorted(set(listed) - present)]
            v.problems += [f"{p}: in the archive but not in the manifest" for p in sorted(present - set(listed))]
            for p in sorted(set(listed) & present):
                # The directory's size first: a part that is not the size listed is not unpacked at all, and
                # one that is is hashed as a stream, never held whole.
                if zf.getinfo(p).file_size != listed[p]["size"]:
                    v.problems.append(f"{p}: size or SHA-256 differs from the manifest")
                    continue
                try:
                    digest = _sha256_of(zf, p)
                except (zipfile.BadZipFile, zlib.error, OSError) as exc:
                    v.problems.append(f"{p}: unreadable ({exc})")
                    continue
                if digest != listed[p]["sha256"]:
                    v.problems.append(f"{p}: size or SHA-256 differs from the manifest")
            v.files = len(listed)
    except FileNotFoundError:
        v.problems.append("no such file")
    except (zipfile.BadZipFile, zlib.error, KeyError, ValueError, TypeError, OSError, LimitExceeded) as exc:
        v.problems.append(f"not a readable copflow archive ({exc})")
    v.ok = not v.problems
    return v


def _sha256_of(zf: zipfile.ZipFile, part: str) -> str:
    digest = hashlib.sha256()
    with zf.open(part) as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def read_member(path: Path, member: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(member)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
