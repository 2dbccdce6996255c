"""Write outputs so that a failed run leaves nothing half-written.

Each output is written to a temporary file in the same folder (same extension, so GDAL
and Excel recognise the format) and renamed over its final name only when the whole
run succeeded. Rename within one folder is atomic on POSIX and on Windows (os.replace).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _temp_sibling(final: Path) -> Path:
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=f".part{final.suffix}", dir=final.parent)
    os.close(fd)
    os.unlink(name)  # writers (GDAL, openpyxl) want to create the file themselves
    return Path(name)


def link_or_copy(source, target) -> None:
    """Put ``source``'s content at ``target`` (which must not exist): a hard link where both
    are on one file system (no byte copied: a 20,000 x 20,000 index raster is about 1 GB),
    else a copy. The link shares the file, so ``source`` must not change afterwards; removing
    it leaves ``target`` whole."""
    try:
        os.link(source, target)
    except OSError:  # another file system, or one without hard links
        shutil.copyfile(source, target)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    # sidecars GDAL may leave next to a temporary raster
    for sidecar in (path.with_name(path.name + ".aux.xml"),):
        with contextlib.suppress(FileNotFoundError):
            sidecar.unlink()


@contextlib.contextmanager
def atomic_path(final_path) -> Iterator[Path]:
    """Yield a temporary path; on success it replaces ``final_path``, on error it is removed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "table.csv"
    >>> with atomic_path(out) as tmp:
    ...     _ = tmp.write_text("a,b\\n1,2\\n")
    >>> out.read_text()
    'a,b\\n1,2\\n'
    """
    with atomic_outputs([final_path]) as (tmp,):
        yield tmp


@contextlib.contextmanager
def atomic_outputs(final_paths) -> Iterator[list[Path]]:
    """Several outputs as one transaction: all are renamed into place, or none.

    Parameters
    ----------
    final_paths : iterable of path-like
        Where the outputs must end up.

    Yields
    ------
    list of pathlib.Path
        Temporary paths, in the same order, to write to.
    """
    finals = [Path(p) for p in final_paths]
    temps = [_temp_sibling(p) for p in finals]
    try:
        yield temps
        for tmp, final in zip(temps, finals):
            if not tmp.exists():
                raise FileNotFoundError(f"output {final} was not written")
        for tmp, final in zip(temps, finals):
            if final.is_dir() and not final.is_symlink():
                shutil.rmtree(final)
            os.replace(tmp, final)
    finally:
        for tmp in temps:
            _remove(tmp)


@contextlib.contextmanager
def atomic_directory(final_dir) -> Iterator[Path]:
    """Build a folder of outputs in a temporary folder, then move its files into place.

    Files already in ``final_dir`` that the run does not write are left alone; every
    file the run writes replaces its namesake only after the whole run succeeded.
    """
    final = Path(final_dir)
    final.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging.", dir=final))
    try:
        yield staging
        for src in sorted(staging.rglob("*")):
            if src.is_dir():
                continue
            dest = final / src.relative_to(staging)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
