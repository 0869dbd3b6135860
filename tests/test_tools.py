"""The development tools: the output comparison that backs "byte-identical" claims."""

from __future__ import annotations

import shutil
from pathlib import Path

import cleaner
from tests.conftest import ARTICLE
from tools.compare_outputs import differences


def test_compare_outputs_ignores_timings_and_finds_changed_tables(tmp_path: Path) -> None:
    cleaner.clean([{"id": "a", "text": ARTICLE}], workers=1).write(tmp_path / "old" / "run")
    cleaner.clean([{"id": "a", "text": ARTICLE}], workers=1).write(tmp_path / "new" / "run")
    assert differences(tmp_path / "old", tmp_path / "new") == []
    shutil.copy(tmp_path / "old" / "run" / "errors.parquet", tmp_path / "new" / "run" / "removed.parquet")
    assert differences(tmp_path / "old", tmp_path / "new") == ["differs: run/removed.parquet"]
