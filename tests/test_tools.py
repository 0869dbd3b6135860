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


def test_the_shipped_line_model_is_what_training_on_the_dev_set_gives() -> None:
    # the model ships as package data and must stay reproducible: features that change need a
    # retrained model (python -m tools.train_line_model --write), or this fails
    from tools.train_line_model import DEV, MODEL, fitted_on

    assert fitted_on(DEV) == MODEL.read_text(encoding="utf-8")
