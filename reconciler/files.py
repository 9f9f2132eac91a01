"""Local files: read a regular file under a size cap, write one atomically.

Reading refuses what is not a regular file before blocking on it (a FIFO, /dev/zero, a
directory) and a file larger than the cap before reading it (a 3 GiB sparse file); writing goes
through a temporary file in the same folder, fsync and os.replace, so a reader sees the old file
or the new one, never a mix. (The sandbox keeps its own copy of the same recipe: it imports
nothing from the rest of the package.)
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from reconciler.errors import FileError

MiB = 1024 * 1024


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; else FileError (without the path)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        raise FileError(f"cannot read the file: {e.strerror}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise FileError("cannot read the file: it is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise FileError("cannot read the file: not a regular file (a pipe or a device?)")
        if info.st_size > limit:
            raise FileError(
                f"the file is too large ({_size(info.st_size)}; at most {_size(limit)})"
            )
        chunks, size = [], 0
        while chunk := os.read(fd, min(limit + 1 - size, MiB)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # it grew while being read
                raise FileError(f"the file is too large (over {_size(limit)})")
        return b"".join(chunks)
    except OSError as e:
        raise FileError(f"cannot read the file: {e.strerror}") from None
    finally:
        os.close(fd)


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Replace `path` with `text` (UTF-8); FileError if it can't be written."""
    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as e:
        raise FileError(f"cannot write the file: {e.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file 0600: keep the mode a user gave the file, else the umask's.
        existing = target.exists()
        os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode) if existing else 0o666 & ~_umask())
        os.replace(tmp, target)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise FileError(f"cannot write the file: {e.strerror}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _size(n: int) -> str:
    return f"{n / MiB:.1f} MiB" if n >= MiB else f"{n:,} bytes"
