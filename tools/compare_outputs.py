"""Compare two trees of cleaner output folders: the same files, byte for byte.

A refactoring that changes no behaviour must give byte-identical tables. Run the same
``cleaner clean`` commands with the old and the new code into two folders, then:

    python -m tools.compare_outputs OLD NEW [--content]

Every file of OLD must exist in NEW with the same bytes; ``manifest.json`` files are compared
without what varies between identical runs (timings, peak memory, the output's own path).
``--content`` compares Parquet tables by their rows instead of their bytes (for a change that
adds a parameter, which every file's key-value metadata records). Exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import polars as pl

VOLATILE = ("timings", "peak_memory_mb", "peak_memory_mb_after_stage")


def _manifest(path: Path, root: Path) -> str:
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for key in VOLATILE:
        manifest.pop(key, None)
    if isinstance(manifest.get("dedup"), dict):
        manifest["dedup"].pop("seconds", None)
    return json.dumps(manifest, sort_keys=True).replace(str(root), "<root>")


def differences(old: Path, new: Path, content: bool = False) -> list[str]:
    """Every file that is missing, extra or different, as a line."""
    found = []
    old_files = {path.relative_to(old) for path in old.rglob("*") if path.is_file()}
    new_files = {path.relative_to(new) for path in new.rglob("*") if path.is_file()}
    found += [f"missing in {new}: {name}" for name in sorted(old_files - new_files)]
    found += [f"only in {new}: {name}" for name in sorted(new_files - old_files)]
    for name in sorted(old_files & new_files):
        a, b = old / name, new / name
        if name.name == "manifest.json":
            same = _manifest(a, old) == _manifest(b, new)
        elif content and name.suffix == ".parquet":
            same = pl.read_parquet(a).equals(pl.read_parquet(b))
        else:
            same = a.read_bytes() == b.read_bytes()
        if not same:
            found.append(f"differs: {name}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--content", action="store_true", help="compare Parquet tables by rows, not bytes")
    args = parser.parse_args()
    found = differences(args.old, args.new, args.content)
    for line in found:
        print(line)
    compared = sum(1 for path in args.old.rglob("*") if path.is_file())
    print(f"{compared} files compared, {len(found)} differences")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
