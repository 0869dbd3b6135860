"""Progress that tells the truth: named stages, bytes read of all, a plain line in log files."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import cleaner
from cleaner import progress as progress_module
from cleaner.cli import cli
from cleaner.progress import Bars, StatusLines, progress_for
from tests.conftest import SAMPLES


class Recorder:
    def __init__(self) -> None:
        self.stages: list[tuple[str, float | None]] = []
        self.done: dict[str, float] = {}

    def stage(self, name: str, total: float | None = None) -> None:
        self.stages.append((name, total))
        self.done[name] = 0.0

    def advance(self, amount: float) -> None:
        self.done[self.stages[-1][0]] += amount

    def close(self) -> None:
        pass


def test_a_run_reports_its_stages_and_the_bytes_it_read() -> None:
    recorder = Recorder()
    cleaner.clean(SAMPLES, workers=1, progress=recorder)
    names = [name for name, _ in recorder.stages]
    assert names == ["site templates", "reading", "candidates", "verification", "clusters"]
    total = dict(recorder.stages)["reading"]
    assert total == sum(path.stat().st_size for path in Path(SAMPLES).rglob("*") if path.is_file())
    assert recorder.done["reading"] == total


def test_a_log_file_gets_a_status_line_at_each_interval() -> None:
    stream = io.StringIO()
    lines = StatusLines(stream, interval=0.05)
    lines.stage("reading", 200)
    lines.advance(50)
    time.sleep(0.3)
    lines.close()
    assert "status: reading 25%" in stream.getvalue()


def test_a_terminal_gets_bars_and_anything_else_status_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    bars = progress_for(Terminal())
    assert isinstance(bars, Bars)
    bars.stage("reading", 10)
    bars.advance(10)
    bars.close()
    bars.close()
    assert isinstance(progress_for(io.StringIO()), StatusLines)


def test_the_command_writes_status_lines_when_stderr_is_not_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "STATUS_SECONDS", 0.001)
    result = CliRunner().invoke(cli, ["clean", str(SAMPLES), "-o", str(tmp_path / "out"), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "status: " in result.output
    quiet = CliRunner().invoke(cli, ["clean", str(SAMPLES), "-o", str(tmp_path / "quiet"), "--workers", "1", "-q"])
    assert quiet.exit_code == 0 and quiet.output == ""
