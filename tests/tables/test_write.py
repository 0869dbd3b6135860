"""Writing the output: a write that fails leaves nothing behind and says what it was writing."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import cleaner
from tests.conftest import ARTICLE


def _disk_full(self: pl.DataFrame, *args: object, **kwargs: object) -> None:
    # what Polars raises when the disk fills up under write_parquet
    raise pl.exceptions.ComputeError("parquet: File out of specification: underlying IO error: No space left on device (os error 28)")


@pytest.mark.parametrize("options", [{"layout": "huggingface"}, {"partition_by": "source"}])
def test_a_table_polars_cannot_write_is_an_os_error_naming_it_and_nothing_is_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: dict[str, str]
) -> None:
    result = cleaner.clean([{"id": "a", "text": ARTICLE, "source": "paper"}], workers=1, **options)
    monkeypatch.setattr(pl.DataFrame, "write_parquet", _disk_full)
    with pytest.raises(OSError, match=r"cannot write .*\.parquet: .*No space left") as raised:
        result.write(tmp_path / "out")
    assert raised.value.errno == 28
    assert list(tmp_path.iterdir()) == []  # no output, no staging folder
