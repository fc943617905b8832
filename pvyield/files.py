"""Writing files safely: one atomic writer for every file pvyield writes.

A file is written to a temporary name in the destination folder, given the permissions a
plain ``open()`` would give it (``0o666`` less the process umask; ``mkstemp`` alone gives
``0o600``), then renamed over the destination. A failed or interrupted write leaves the
previous file (or nothing), never a half-written one, and no temporary file behind.

Destinations are checked before any work starts (:func:`check_output_file`,
:func:`check_output_dir`): a folder, a device or a FIFO is never replaced by a plain file.
A symbolic link is written *through*: its target is replaced and the link kept.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from pvyield.errors import PvyieldError

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process umask (read by setting it and putting it back, under a lock)."""
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def file_mode() -> int:
    """Permissions of a new regular file under the current umask."""
    return 0o666 & ~current_umask()


def dir_mode() -> int:
    """Permissions of a new folder under the current umask."""
    return 0o777 & ~current_umask()


def resolve_output(path: str | Path) -> Path:
    """The path to write for ``path``: a symbolic link's final target, else ``path``."""
    path = Path(path)
    if path.is_symlink():
        return Path(os.path.realpath(path))
    return path


def check_output_file(path: str | Path, what: str = "output file") -> Path:
    """Check, before any work, that ``path`` can be written as a regular file.

    Returns the path to write (a symbolic link's target). Raises :class:`PvyieldError` when
    it names a folder, a device, a FIFO or a socket, when its folder is missing, or when
    the folder cannot be written to (probed by creating and removing a temporary file).
    """
    given = Path(path)
    target = resolve_output(given)
    try:
        info = target.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise PvyieldError(f"{given}: cannot use as {what} ({exc.strerror})") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise PvyieldError(f"{given}: is {kind}; the {what} must be a regular file or a new "
                           "path")
    _probe_folder(given, target.parent)
    return target


def check_output_dir(path: str | Path, what: str = "output folder") -> Path:
    """Check, before any work, that ``path`` is a writable folder or can be created."""
    given = Path(path)
    if given.exists() and not given.is_dir():
        raise PvyieldError(f"{given}: exists and is not a folder; the {what} must be a folder")
    existing = given
    while not existing.exists():  # the nearest existing ancestor must take new entries
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        raise PvyieldError(f"{given}: {existing} is not a folder")
    _probe_folder(given, existing)
    return given


def _probe_folder(given: Path, folder: Path) -> None:
    if not folder.is_dir():
        raise PvyieldError(f"{given}: folder {folder} does not exist")
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".pvyield-probe-")
    except OSError as exc:
        raise PvyieldError(f"{given}: cannot write to folder {folder} ({exc.strerror})"
                           ) from None
    os.close(fd)
    os.unlink(probe)


@contextlib.contextmanager
def atomic_path(path: str | Path, directory: bool = False) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed over ``path`` on success.

    For writers that take a path (netCDF, Zarr). ``directory=True`` makes the temporary
    a folder (a Zarr store): the destination folder is replaced as a whole.
    """
    target = resolve_output(path)
    if not target.parent.is_dir():
        raise PvyieldError(f"{path}: folder {target.parent} does not exist")
    try:
        holder = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.",
                                       suffix=".tmp"))
    except OSError as exc:
        raise PvyieldError(f"{path}: cannot write to folder {target.parent} "
                           f"({exc.strerror})") from None
    tmp = holder / target.name
    try:
        yield tmp
        if directory:
            os.chmod(tmp, dir_mode())
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
        else:
            os.chmod(tmp, file_mode())
        os.replace(tmp, target)
    finally:
        shutil.rmtree(holder, ignore_errors=True)


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write text (UTF-8) or bytes to ``path`` atomically, honouring the umask.

    Returns the path written (a symbolic link's target). Raises :class:`PvyieldError` when
    the destination is not a regular file or a new path, or cannot be written.
    """
    target = check_output_file(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                   suffix=".tmp")
    except OSError as exc:
        raise PvyieldError(f"{path}: cannot write ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise PvyieldError(f"{path}: cannot write ({exc.strerror or exc})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
