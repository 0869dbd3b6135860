"""Putting a finished output folder into place without losing anything that was there.

The output is written into a staging folder beside ``OUT`` and moved into place at the end,
under a lock on the parent folder (``flock`` on the folder itself, so no lock file is left
behind), so that two runs writing one ``OUT`` take turns and the second sees the first's
output:

- ``OUT`` absent: the staging folder is renamed with ``RENAME_NOREPLACE``, so a folder that
  appeared meanwhile is never replaced;
- ``OUT`` present and ``overwrite`` asked for: it must be a folder cleaner wrote (its
  ``manifest.json`` says so) holding only files of cleaner's layouts (:func:`foreign_files`),
  or an empty one; the two are swapped in one step
  (``RENAME_EXCHANGE``), so a kill at any moment leaves the old output or the new one.

Where the kernel or file system lacks ``renameat2`` (not Linux), the swap is two renames; a
kill between them leaves the old output in ``.cleaner-old-OUT-*``, which the next write to
``OUT`` puts back before anything else.

Outputs also must not overlap the inputs: an output that is an input, or contains one, is
refused before anything is read (:func:`check_output_location`); one inside an input folder is
left out of what is read (``read.discover`` skips folders cleaner made).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from cleaner.errors import OutputExistsError, OutputNotWritableError, OutputOverlapError
from cleaner.once import once
from cleaner.schemas import OUTPUT_TABLES

TEMP_PREFIX = ".cleaner-tmp-"
OLD_PREFIX = ".cleaner-old-"
MANIFEST = "manifest.json"
MANIFEST_KEYS = frozenset({"version", "parameters", "counts"})
"""Keys every manifest cleaner writes has: what marks a folder as cleaner's output."""

_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2


def is_cleaner_output(folder: Path) -> bool:
    """Whether ``folder`` is an output folder cleaner wrote (its manifest says so)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(manifest, dict) and MANIFEST_KEYS <= manifest.keys()


def check_output_location(out_dir: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]], what: str = "output") -> None:
    """Refuse an output (or index) folder that is one of ``inputs`` or contains one, before
    anything is read or written: replacing it would delete the inputs."""
    out = _real(out_dir)
    for raw in inputs:
        name = os.fspath(raw)
        if name == "-" or not os.path.exists(name):
            continue
        source = _real(name)
        if source == out:
            raise OutputOverlapError(f"the {what} {os.fspath(out_dir)!r} is the input {name!r}: choose another folder")
        if out in source.parents:
            raise OutputOverlapError(f"the {what} {os.fspath(out_dir)!r} contains the input {name!r}: choose another folder")


def check_locations(
    out_dir: str | os.PathLike[str] | None, inputs: Iterable[str | os.PathLike[str]], index_dir: str | os.PathLike[str] | None
) -> None:
    """Refuse folders that would destroy each other: an output or index that is (or contains)
    an input, and an index inside the output (replacing the output would delete it) or an
    output inside the index."""
    inputs = list(inputs)
    if out_dir is not None:
        check_output_location(out_dir, inputs)
    if index_dir is None:
        return
    check_output_location(index_dir, inputs, what="index")
    if out_dir is not None:
        out, index = _real(out_dir), _real(index_dir)
        if out == index or out in index.parents or index in out.parents:
            raise OutputOverlapError(
                f"the output {os.fspath(out_dir)!r} and the index {os.fspath(index_dir)!r} overlap: keep the index apart"
            )


def _real(path: str | os.PathLike[str]) -> Path:
    return Path(os.path.realpath(os.path.abspath(os.fspath(path))))


UNSUPPORTED_LOCKS = (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS)
"""What ``flock`` answers on a file system without locks (some network and FUSE mounts)."""


@contextlib.contextmanager
def locked_folder(folder: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``folder`` itself, held for the block (waits for others).
    Where the file system has no locks, the block runs unlocked: the no-replace rename and
    the atomic swap still never replace another run's output."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError as exc:
            if exc.errno not in UNSUPPORTED_LOCKS:
                raise
        yield
    finally:
        os.close(handle)  # closing releases the lock


def staging_folder(target: Path) -> Path:
    """A fresh folder beside ``target`` to write the output into, with the permissions a new
    folder gets (:func:`shared_as_created`), not ``mkdtemp``'s private ones: the output is renamed
    into place, and with them another account (a downstream job's) could not read it."""
    parent = target.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{target.name}-", dir=parent))
    shared_as_created(staging, folder=True)
    return staging


def shared_as_created(path: str | os.PathLike[str], *, folder: bool = False) -> None:
    """Give a file made by ``mkstemp`` (or a folder by ``mkdtemp``), private to its owner until
    it is complete, the permissions ``open`` (``mkdir``) would have given it: 0o666 (0o777) less
    the process's umask."""
    os.chmod(path, (0o777 if folder else 0o666) & ~_umask())


def _umask() -> int:
    """The process's umask, read without setting it (``os.umask`` sets it, for every thread)
    where Linux shows it, else set and restored at once."""
    with contextlib.suppress(OSError, StopIteration, ValueError):
        with open("/proc/self/status", encoding="ascii") as status:
            return int(next(line for line in status if line.startswith("Umask:")).split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def put_in_place(staging: Path, target: Path, *, overwrite: bool) -> None:
    """Move the finished ``staging`` folder to ``target`` (see the module docstring)."""
    parent = target.absolute().parent
    with locked_folder(parent):
        _restore_retired(target)
        if not os.path.lexists(target):
            if not _renameat2(staging, target, _RENAME_NOREPLACE):
                os.rename(staging, target)
            return
        _check_replaceable(target, overwrite)
        if _renameat2(staging, target, _RENAME_EXCHANGE):
            shutil.rmtree(staging, ignore_errors=True)  # the staging path now holds the old output
            return
        retired = Path(tempfile.mkdtemp(prefix=f"{OLD_PREFIX}{target.name}-", dir=parent))
        os.rename(target, retired / "out")
        os.rename(staging, target)
        shutil.rmtree(retired, ignore_errors=True)


def check_writable(target: Path, *, overwrite: bool) -> None:
    """Fail early, before any work, when ``target`` could not be written (checked again when
    the output is put in place): it is in the way, or the folder it goes in (the nearest one
    that exists) cannot be written, which a long run would otherwise find at its very end."""
    if os.path.lexists(target):
        _check_replaceable(target, overwrite)
    _check_folder_writable(target.absolute().parent, f"the output {str(target)!r}")


def check_index_writable(index_dir: Path) -> None:
    """Fail before the work when a run could not add its part to the index ``index_dir``."""
    _check_folder_writable(index_dir.absolute(), f"the index {str(index_dir)!r}")


def _check_folder_writable(folder: Path, what: str) -> None:
    """Refuse ``what`` when ``folder``, or the nearest folder above it that exists, cannot be
    written (a permission, a read-only mount)."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputNotWritableError(f"cannot write {what}: the folder {str(folder)!r} is not writable")


_EXTENSION = r"\.(?:parquet|jsonl)"
_TABLE = "(?:" + "|".join(OUTPUT_TABLES) + ")"
CLEANERS_FILES = re.compile(
    rf"(?:{re.escape(MANIFEST)}|report\.html|README\.md|{_TABLE}{_EXTENSION}"
    rf"|(?:data|{_TABLE})/train-\d{{5}}-of-\d{{5}}{_EXTENSION}"
    rf"|{_TABLE}/(?:source|day)=[^/]+/part-\d{{5}}{_EXTENSION})"
)
"""The paths (relative, ``/``-separated) of the files an output folder of cleaner's holds, in
any layout: ``manifest.json``, ``report.html``, a table's file, a Hugging Face shard (and its
``README.md``) or a Hive partition's file (``tables.write``)."""
FOLDER_VIEW_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
"""What a file browser leaves in a folder it showed: replaced with the output, not a reason to keep it."""
FOREIGN_SHOWN = 5


def foreign_files(folder: Path) -> list[str]:
    """The files (and empty folders) in ``folder`` that are not of cleaner's output layout
    (:data:`CLEANERS_FILES`): a user's notes or analysis kept beside the tables, which
    replacing the output would delete."""
    foreign = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.name in FOLDER_VIEW_FILES and not path.is_dir():
            continue
        if path.is_symlink() or not path.is_dir():
            if not CLEANERS_FILES.fullmatch(relative) or (relative == "README.md" and not _is_dataset_card(path)):
                foreign.append(relative)
        elif not any(path.iterdir()):
            foreign.append(relative + "/")
    return foreign


def _is_dataset_card(path: Path) -> bool:
    """Whether a ``README.md`` is the dataset card cleaner writes (``tables.write.dataset_card``),
    not a user's notes on the dataset."""
    try:
        with open(path, "rb") as handle:
            return handle.read(len(DATASET_CARD_START)) == DATASET_CARD_START
    except OSError:
        return False


DATASET_CARD_START = b"---\nconfigs:\n- config_name: "


def _check_replaceable(target: Path, overwrite: bool) -> None:
    if not overwrite:
        raise OutputExistsError(f"output {str(target)!r} exists; pass --overwrite to replace it")
    if target.is_symlink() or not target.is_dir():
        raise OutputExistsError(f"output {str(target)!r} exists and is not a folder")
    if not is_cleaner_output(target) and any(target.iterdir()):
        raise OutputExistsError(
            f"output {str(target)!r} exists and was not written by cleaner (no cleaner manifest.json): "
            "cleaner replaces only its own output; choose another folder"
        )
    foreign = foreign_files(target)
    if foreign:
        shown = ", ".join(foreign[:FOREIGN_SHOWN]) + (f" and {len(foreign) - FOREIGN_SHOWN} more" if len(foreign) > FOREIGN_SHOWN else "")
        raise OutputExistsError(
            f"output {str(target)!r} holds files cleaner did not write ({shown}): replacing it would delete them; "
            "move them out of it, or choose another folder"
        )


def _restore_retired(target: Path) -> None:
    """Put back an output that a killed two-rename swap left in ``.cleaner-old-OUT-*``."""
    if os.path.lexists(target):
        return
    retired = sorted(target.absolute().parent.glob(f"{OLD_PREFIX}{target.name}-*/out"))
    if retired:
        os.rename(retired[-1], target)
        shutil.rmtree(retired[-1].parent, ignore_errors=True)


def _renameat2(source: Path, target: Path, flags: int) -> bool:
    """``renameat2(source, target, flags)``; ``False`` where the system lacks it."""
    function = _renameat2_function()
    if function is None:
        return False
    if function(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target), flags) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    if code == errno.EEXIST:
        raise OutputExistsError(f"output {str(target)!r} appeared while this run was writing; nothing was replaced")
    raise OSError(code, os.strerror(code), str(target))


@once
def _renameat2_function() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
