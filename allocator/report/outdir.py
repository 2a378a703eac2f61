"""Output folders allocate owns: a marker of its own, refusal of anything else, atomic replacement.

allocate replaces a folder only when that folder carries allocate's marker file and every
file in it still matches the SHA-256 the marker recorded: a folder from elsewhere, a
first-release folder (summary.json but no marker), or one with hand-edited or added files
is refused before solving. New output is written into a staging folder beside the target
and put in place by one rename (an atomic exchange where the kernel offers it), under a
lock on the parent folder, so two runs writing the same folder never mix: the first to
finish wins whole and the other says so. Staging and replaced folders carry names only
allocate uses and the writing process's id; the next run removes those whose process is
gone, so a killed run never leaves advocates' emails behind for long.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hashlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

MARKER = ".allocator-output.json"
SIGNATURE = "allocator output folder"
STAGING_PREFIX = ".allocator-staging."
OLD_PREFIX = ".allocator-old."
NAME_MAX = 255  # bytes in one path component on the file systems hub leads use
_SHOWN = 5


class OutputError(Exception):
    """The output folder cannot be used (exit code 2): nothing was written."""


@dataclass(frozen=True)
class FolderState:
    """What an output folder held when it was inspected: nothing, an empty folder, or
    allocate's output of one run (`run_id`)."""

    exists: bool
    run_id: str | None = None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files(folder: Path) -> Iterator[Path]:
    """Every entry below `folder` that is not a directory (symbolic links included)."""
    for root, dirs, names in os.walk(folder):
        base = Path(root)
        for name in dirs:
            if (base / name).is_symlink():
                yield base / name
        for name in names:
            yield base / name


def _listing(paths: list[str]) -> str:
    shown = ", ".join(paths[:_SHOWN])
    return shown + (f" and {len(paths) - _SHOWN} more" if len(paths) > _SHOWN else "")


def _read_marker(folder: Path) -> dict | None:
    marker = folder / MARKER
    if not marker.is_file() or marker.is_symlink():
        return None
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("written_by") != SIGNATURE:
        return None
    if not isinstance(data.get("files"), dict) or not isinstance(data.get("run_id"), str):
        return None
    return data


def inspect_folder(path: Path) -> FolderState:
    """What `path` holds, or OutputError when allocate may not replace it.

    Raises
    ------
    OutputError
        `path` is a file or a link, or a folder allocate did not write, or one whose files
        differ from what allocate wrote (each changed or added file is named).
    """
    if path.is_symlink():
        raise OutputError(f"{path}: is a symbolic link; give the folder itself as --out")
    if not path.exists():
        return FolderState(exists=False)
    if not path.is_dir():
        raise OutputError(f"{path}: exists and is not a folder; choose another --out")
    try:
        entries = sorted(str(p.relative_to(path)) for p in _files(path))
        empty = not entries and not any(path.iterdir())
    except OSError as exc:
        raise OutputError(f"{path}: cannot be read ({exc.strerror}); choose another --out") from exc
    if empty:
        return FolderState(exists=True)
    marker = _read_marker(path)
    if marker is None:
        older = (
            " (it looks like an older allocate's output, which carried no marker)"
            if (path / "summary.json").is_file()
            else ""
        )
        raise OutputError(
            f"{path}: exists and was not written by allocate{older}; it holds "
            f"{_listing(entries)}. Nothing was changed: choose another --out, or move the folder away"
        )
    recorded: dict[str, str] = marker["files"]
    added = [e for e in entries if e != MARKER and e not in recorded]
    changed = [e for e in entries if e in recorded and ((path / e).is_symlink() or _sha256(path / e) != recorded[e])]
    if added or changed:
        parts = []
        if changed:
            parts.append(f"changed since allocate wrote them: {_listing(changed)}")
        if added:
            parts.append(f"added by someone else: {_listing(added)}")
        raise OutputError(
            f"{path}: holds files {'; '.join(parts)}. allocate never replaces edited output; "
            "choose another --out (or move your edited files away)"
        )
    return FolderState(exists=True, run_id=marker["run_id"])


def _nearest_existing(path: Path) -> Path:
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return probe


def preflight(path: Path) -> FolderState:
    """Everything that can be known before solving: the folder is ours (or absent or
    empty), its name is usable, and its parent can be created and written."""
    absolute = Path(os.path.abspath(path))
    for part in absolute.parts:
        if len(os.fsencode(part)) > NAME_MAX:
            raise OutputError(f"{path}: a folder name is longer than {NAME_MAX} bytes; choose a shorter --out")
    state = inspect_folder(absolute)
    ancestor = _nearest_existing(absolute.parent)
    if not ancestor.is_dir():
        raise OutputError(f"{path}: {ancestor} is a file, so no folder can be made under it; choose another --out")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: cannot write in {ancestor} (permission denied); choose another --out")
    return state


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def debris(parent: Path) -> list[Path]:
    """Staging and replaced folders in `parent` left by allocate runs that no longer live."""
    found = []
    try:
        names = os.listdir(parent)
    except OSError:
        return []
    for name in names:
        for prefix in (STAGING_PREFIX, OLD_PREFIX):
            if not name.startswith(prefix):
                continue
            pid_text = name[len(prefix) :].split(".", 1)[0]
            entry = parent / name
            if pid_text.isdigit() and not _alive(int(pid_text)) and entry.is_dir() and not entry.is_symlink():
                found.append(entry)
    return sorted(found)


def clean_debris(parent: Path) -> None:
    for entry in debris(parent):
        shutil.rmtree(entry, ignore_errors=True)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on `folder` (flock on its descriptor; nothing is left on disk)."""
    try:
        import fcntl
    except ImportError:  # not on POSIX: no lock, the ownership check still runs
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2); False where that is not offered."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def write_marker(folder: Path, run_id: str) -> None:
    files = {str(p.relative_to(folder)): _sha256(p) for p in sorted(_files(folder)) if p.name != MARKER}
    marker = {
        "written_by": SIGNATURE,
        "note": "allocate replaces this folder on a later run only while every file below "
        "still matches; edit copies elsewhere.",
        "run_id": run_id,
        "written": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": files,
    }
    (folder / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")


def write_folder(path: Path, fill: Callable[[Path], None], expected: FolderState | None = None) -> list[Path]:
    """Fill a staging folder with `fill`, mark it as allocate's, and put it at `path` whole.

    `expected` is what `preflight` saw before solving; when the folder has changed since
    (another run wrote it first), nothing is written and OutputError says so.
    """
    if expected is None:
        expected = preflight(path)
    path = Path(os.path.abspath(path))
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create {parent} ({exc.strerror}); choose another --out") from exc
    clean_debris(parent)
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}.", dir=parent))
    try:
        fill(staging)
        write_marker(staging, uuid.uuid4().hex)
        os.chmod(staging, 0o755)
        with _locked(parent):
            current = inspect_folder(path)
            if current != expected:
                raise OutputError(
                    f"{path}: another allocate run wrote this folder while this one was working; "
                    "its output stands whole and this run wrote nothing. Run again, or choose another --out"
                )
            if current.exists and current.run_id is not None:
                if _exchange(staging, path):
                    shutil.rmtree(staging, ignore_errors=True)
                else:
                    old = Path(tempfile.mkdtemp(prefix=f"{OLD_PREFIX}{os.getpid()}.", dir=parent))
                    os.replace(path, old / "previous")
                    os.replace(staging, path)
                    shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(staging, path)  # absent, or an empty folder: one rename
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(p for p in path.iterdir() if p.name != MARKER)
