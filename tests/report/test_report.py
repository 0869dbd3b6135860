"""report.html: what it shows, that it is self-contained and stable, and that a browser shows it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from PIL import Image  # matplotlib's own dependency

import cleaner
from cleaner.cli import cli
from cleaner.errors import OutputExistsError
from cleaner.report import REPORT, report_html, write_report
from cleaner.report.page import SECTIONS, word_diff
from tests.conftest import REPO, SAMPLES


@pytest.fixture(scope="module")
def samples_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "out"
    cleaner.clean(SAMPLES, workers=1).write(out)
    return out


def test_the_report_shows_every_section_from_the_tables(samples_output: Path) -> None:
    page = report_html(samples_output)
    for key, title in SECTIONS:
        assert f'<section id="{key}"><h2>{title}</h2>' in page
    assert page.count("<svg") == 3  # removed lines by source, cluster sizes, the shared-paragraph matrix
    documents = pl.read_parquet(samples_output / "documents.parquet")
    for copy, original in documents.filter(pl.col("duplicate_of").is_not_null()).select("doc_id", "duplicate_of").iter_rows():
        assert f"<td>{copy}</td>" in page and f"<td>{original}</td>" in page
    errors = pl.read_parquet(samples_output / "errors.parquet")
    assert f"{errors.height:,} input problem(s)" in page and "malformed or truncated JSON" in page
    assert "<h3>harbor-gazette</h3>" in page  # a source with site-template lines
    assert "<del>" in page and "<ins>" in page  # a near copy shown against its canonical


def test_the_report_is_self_contained_and_the_same_bytes_every_time(samples_output: Path) -> None:
    page = report_html(samples_output)
    assert not re.search(r"<(script|link|img|iframe)\b", page)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert not re.search(r"url\((?!#)", page)  # only references to the page itself (SVG clip paths)
    assert page == report_html(samples_output)


def test_word_diff_marks_what_the_copy_lacks_and_adds() -> None:
    assert word_diff("the bridge opens on Monday", "the bridge reopens on Monday") == "the bridge <del>opens</del> <ins>reopens</ins> on Monday"
    assert word_diff("a <b> c", "a <b> c") == "a &lt;b&gt; c"


def test_every_layout_and_format_can_be_reported(tmp_path: Path) -> None:
    result = cleaner.clean(SAMPLES, workers=1)
    for name, options in {"jsonl": {"output_format": "jsonl"}, "hf": {}, "parted": {}}.items():
        config = {"hf": {"layout": "huggingface"}, "parted": {"partition_by": "source"}}.get(name, {})
        run = cleaner.clean(SAMPLES, workers=1, **config) if config else result
        run.write(tmp_path / name, **options)
        assert "Most syndicated paragraphs" in report_html(tmp_path / name)


def test_a_report_replaces_its_own_page_but_no_other_file(tmp_path: Path, samples_output: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(samples_output, out)
    first = write_report(out)
    assert write_report(out) == first
    first.write_text("<html>my own notes</html>", encoding="utf-8")
    with pytest.raises(OutputExistsError):
        write_report(out)
    assert first.read_text(encoding="utf-8") == "<html>my own notes</html>"
    with pytest.raises(FileNotFoundError, match="not an output folder"):
        report_html(tmp_path)
    assert sorted(path.name for path in out.iterdir() if path.name.startswith(".")) == []  # no temporary file left


def test_a_damaged_or_partial_output_is_refused_naming_the_folder(tmp_path: Path, samples_output: Path) -> None:
    damaged = shutil.copytree(samples_output, tmp_path / "damaged")
    (damaged / "clusters.parquet").write_bytes(b"not parquet")
    refused = CliRunner().invoke(cli, ["report", str(damaged)])
    assert refused.exit_code == 1 and str(damaged) in refused.output and "cannot be read" in refused.output
    partial = shutil.copytree(samples_output, tmp_path / "partial")
    (partial / "paragraphs.parquet").unlink()
    refused = CliRunner().invoke(cli, ["report", str(partial)])
    assert refused.exit_code == 2 and "no paragraphs table" in refused.output
    assert not (damaged / REPORT).exists() and not (partial / REPORT).exists()


def test_clean_report_writes_it_with_the_dataset_and_the_report_command_remakes_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    made = CliRunner().invoke(cli, ["clean", str(SAMPLES), "-o", str(out), "--workers", "1", "--report"])
    assert made.exit_code == 0, made.output
    first = (out / REPORT).read_text(encoding="utf-8")
    (out / REPORT).unlink()
    again = subprocess.run([sys.executable, "-m", "cleaner", "report", str(out)], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert again.returncode == 0, again.stderr
    assert (out / REPORT).read_text(encoding="utf-8") == first
    refused = CliRunner().invoke(cli, ["report", str(tmp_path)])
    assert refused.exit_code == 2 and "not an output folder" in refused.output


def _chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.environ.get("CI"):
        pytest.fail("CI installs Debian's chromium for this test (.ci/run)")
    return found


CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--hide-scrollbars",
)


def test_the_report_renders_in_a_real_browser(tmp_path: Path, samples_output: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("no chromium on this machine (CI installs it)")
    page = write_report(shutil.copytree(samples_output, tmp_path / "out"))
    base = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,1800"]
    dom = subprocess.run([*base, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    for _, title in SECTIONS:
        assert f"<h2>{title}</h2>" in dom.stdout
    assert dom.stdout.count("<svg") == 3 and "<path" in dom.stdout  # the plots were parsed as SVG, with their shapes
    shot = tmp_path / "report.png"
    subprocess.run([*base, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120, check=True)
    with Image.open(shot) as image:
        assert image.size == (1280, 1800)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50  # text, plots and colour bars, not a blank or an error page
