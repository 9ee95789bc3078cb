"""Writing results safely: temp file in the same directory, then an atomic rename.

A run interrupted mid-write leaves the old file (or none), never half a file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sim.errors import SiyuInputError


def _prepare(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SiyuInputError(f"{path.parent}: cannot create output directory ({exc.strerror or exc})") from None


#: temp files this process is writing: a worker told to stop mid-write removes them
#: (:func:`discard_in_flight`) so a stopped run leaves nothing half-written behind
_in_flight: set[str] = set()


def discard_in_flight() -> None:
    """Remove the temp files this process has not committed yet."""
    for tmp in list(_in_flight):
        _discard(tmp)


def _commit(tmp: str, path: Path) -> None:
    # mkstemp creates 0600 files; results are shared documents, so honour the umask
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, path)
    _in_flight.discard(tmp)


def _write_via_temp(path: str | Path, fill) -> Path:
    """``fill(temp_name)`` writes the content; it reaches the disk, then takes ``path``'s
    name in one rename. Any failure removes the temp file; an OS error is the user's
    (a full disk, a read-only directory) and exits 2 naming the path."""
    path = Path(path)
    _prepare(path)
    fd, tmp = _mkstemp(path)
    os.close(fd)
    try:
        fill(tmp)
        _fsync(tmp)  # the bytes reach the disk before the name does
        _commit(tmp, path)
    except OSError as exc:
        _discard(tmp)
        raise SiyuInputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    except BaseException:
        _discard(tmp)
        raise
    return path


def write_atomic(path: str | Path, text: str | bytes) -> Path:
    """Write text (UTF-8) or bytes to ``path`` atomically."""
    data = text.encode("utf-8") if isinstance(text, str) else text

    def fill(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            fh.write(data)

    return _write_via_temp(path, fill)


def write_parquet_atomic(path: str | Path, frame) -> Path:
    """Write a DataFrame as Parquet atomically."""
    return _write_via_temp(path, lambda tmp: frame.to_parquet(tmp, index=False))


def _mkstemp(path: Path) -> tuple[int, str]:
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        _in_flight.add(tmp)
        return fd, tmp
    except OSError as exc:
        raise SiyuInputError(f"{path.parent}: cannot write output here ({exc.strerror or exc})") from None


def _fsync(name: str) -> None:
    fd = os.open(name, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _discard(tmp: str) -> None:
    _in_flight.discard(tmp)
    try:
        os.unlink(tmp)
    except OSError:
        pass


def refuse_overwrite(paths, force: bool = False) -> None:
    """Refuse (:class:`SiyuInputError`, exit 2) to replace existing results unless ``force``:
    hours of simulation are not overwritten by a mistyped ``--out``."""
    if force:
        return
    existing = [str(p) for p in map(Path, paths) if p.exists()]
    if existing:
        raise SiyuInputError(f"{existing[0]}: results already exist here; use --force to overwrite them, "
                             "or choose another --out directory")
