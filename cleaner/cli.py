"""The ``cleaner`` command: argument parsing and printing over the library, nothing more.

Every default comes from :class:`CleanConfig`, which also checks every value: an option
out of range is refused by the same rule the library applies, and named as it is typed.

Exit codes: 0 the run finished (input problems are listed in the ``errors`` table);
1 a fatal error (nothing written; with ``--strict`` any unreadable input is fatal);
2 a usage error (click's convention); 130 stopped by Ctrl-C and 143 by SIGTERM (nothing
written, or the output whole). A fatal error of the library is a
:class:`~cleaner.errors.CleanerError`, which carries its exit code.
"""

from __future__ import annotations

import errno
import gc
import json
import logging
import os
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import click
import polars as pl
from click.core import ParameterSource

from cleaner import __version__
from cleaner.config import CleanConfig, FieldMap
from cleaner.decode import InputError, decode_bytes, read_bytes, too_large
from cleaner.discover import (
    DECOMPRESSION_ERRORS,
    ErrorRow,
    InputFile,
    file_kind,
    open_standard_input,
)
from cleaner.duplicates.index import LEFT_OVER, REBUILD, DedupIndex
from cleaner.errors import (
    USAGE_EXIT_CODE,
    CleanerError,
    ConfigError,
    UnknownParagraphError,
)
from cleaner.explain import explain
from cleaner.pipeline import clean
from cleaner.progress import Progress, progress_for
from cleaner.read import read_file
from cleaner.strip import StripOptions, load_pattern_file, strip_text
from cleaner.tables.place import MANIFEST, check_index_writable, check_locations, check_writable

if TYPE_CHECKING:
    from cleaner.extract import ExtractResult

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DEFAULTS = CleanConfig()
INTERRUPTED_EXIT_CODE = 130
"""The shell's code for a run stopped by Ctrl-C (128 + SIGINT)."""
TERMINATED_EXIT_CODE = 143
"""The shell's code for a run stopped by SIGTERM (128 + 15): ``kill``, ``timeout``, a job scheduler."""


class Terminated(BaseException):
    """SIGTERM, raised in the command's main thread (:func:`main`), so that a run stopped by
    ``kill`` or a scheduler ends as one stopped by Ctrl-C does: its unfinished output and its
    work folder removed, the index as it was. Python's default for SIGTERM ends the process
    where it stands: a 1M-paragraph run killed in its map stage left its work folder (0.4 GB)
    in the temporary directory. Not a ``KeyboardInterrupt``: click turns those into
    "Aborted!" and exit code 1."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated


FIELDS = FieldMap()

FIELD_OF_PARAM = {
    "workers": "workers", "engine": "engine", "spark_master": "spark_master", "driver_edges": "driver_edges",
    "work_dir": "work_dir", "output_format": "output_format", "layout": "layout", "partition_by": "partition_by",
    "shard_rows": "shard_rows", "no_strip": "strip", "keep_captions": "keep_captions", "no_headings": "keep_headings",
    "no_line_model": "line_model", "pattern_files": "extra_patterns", "prefer": "prefer_sources",
    "jaccard": "jaccard_threshold", "containment": "containment_threshold", "exact_only": "near_duplicates",
    "index_dir": "index_dir", "min_chars": "min_paragraph_chars", "max_document_bytes": "max_document_bytes",
    "follow_symlinks": "follow_symlinks", "allow_empty": "allow_empty", "limit": "limit",
    **{f"{name}_field": "fields" for name in ("text", "html", "id", "url", "source", "title", "author", "date")},
}
"""The :class:`CleanConfig` field each option of ``clean`` sets."""


def _refuse(error: CleanerError) -> click.ClickException:
    """The click error that exits with ``error``'s code, its message naming options as typed."""
    if isinstance(error, ConfigError):
        return click.BadParameter(error.message, param_hint=option_of_field(error.field))
    if error.exit_code == USAGE_EXIT_CODE:
        return click.UsageError(str(error))
    return click.ClickException(str(error))


def option_of_field(field: str) -> str:
    """The option of ``clean`` that sets a :class:`CleanConfig` field, as a user types it."""
    for param in clean_command.params:
        if FIELD_OF_PARAM.get(param.name or "") == field or (param.name == field and field.endswith("_field")):
            return next(opt for opt in param.opts if opt.startswith("--"))
    return field


def _load_patterns(paths: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    rules: list[tuple[str, str]] = []
    for path in paths:
        try:
            rules.extend(load_pattern_file(path))
        except (OSError, ValueError) as exc:
            raise click.BadParameter(str(exc), param_hint="--patterns") from exc
    return tuple(rules)


def _strip_flags(func):  # type: ignore[no-untyped-def]
    """Options shared by ``clean`` and ``strip``: what to keep and which extra patterns apply."""
    func = click.option("--keep-captions", is_flag=True, help="Keep photo captions and credits in the text.")(func)
    func = click.option("--no-headings", is_flag=True, help="Remove short heading lines inside the article.")(func)
    func = click.option(
        "--no-line-model", is_flag=True, help="Text mode: the rules alone decide (no learned second opinion at their margins)."
    )(func)
    func = click.option(
        "--patterns",
        "pattern_files",
        multiple=True,
        type=click.Path(exists=True, dir_okay=False),
        help="File of extra 'reason<TAB>regex' lines that mark clutter lines (repeatable).",
    )(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cleaner")
def cli() -> None:
    """Turn messy multi-source news text and HTML into a clean, deduplicated dataset."""


def _load_settings(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--config FILE.toml``, else the ``[tool.cleaner]`` table of ``./pyproject.toml``: the
    file's values become the command's defaults, below the environment and the command line."""
    path = Path(value) if value else Path("pyproject.toml")
    if not path.is_file():
        if value:
            raise click.BadParameter(f"no such file: {value}", param_hint="--config")
        return value
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise click.BadParameter(f"{path}: {exc}", param_hint="--config") from exc
    table = document if value else document.get("tool", {}).get("cleaner", {})
    command = ctx.command
    names = {opt.lstrip("-").replace("-", "_"): p.name for p in command.params for opt in p.opts}
    defaults: dict[str, object] = {}
    for key, setting in table.items():
        name = names.get(str(key).replace("-", "_"))
        if name is None or name in ("config", "print_config"):
            raise click.BadParameter(f"{path}: unknown setting {key!r}", param_hint="--config")
        defaults[name] = setting
    ctx.default_map = {**(ctx.default_map or {}), **defaults}
    ctx.meta["cleaner.settings_file"] = str(path)
    return value


def _environment_names(command: click.Command) -> click.Command:
    """Every option of ``command`` also read from ``CLEANER_<OPTION>`` (``--text-field``:
    ``CLEANER_TEXT_FIELD``), between the command line and the settings file."""
    for param in command.params:
        if isinstance(param, click.Option) and param.name not in ("config", "print_config"):
            long_name = next((opt for opt in param.opts if opt.startswith("--")), param.opts[0])
            param.envvar = "CLEANER_" + long_name.lstrip("-").replace("-", "_").upper()
    return command


def _print_config(ctx: click.Context) -> None:
    """Every setting of the run, and where it came from."""
    origins = {
        ParameterSource.COMMANDLINE: "command line",
        ParameterSource.ENVIRONMENT: "environment",
        ParameterSource.DEFAULT_MAP: f"file {ctx.meta.get('cleaner.settings_file', '')}".strip(),
        ParameterSource.DEFAULT: "default",
    }
    for param in ctx.command.params:
        if param.name in ("config", "print_config"):
            continue
        source = ctx.get_parameter_source(param.name)  # type: ignore[arg-type]
        value = ctx.params.get(param.name)
        shown = json.dumps(list(value) if isinstance(value, tuple) else value)
        click.echo(f"{param.name:<20} {shown:<40} {origins.get(source, 'default') if source else 'default'}")


@_environment_names
@cli.command("clean")
@click.argument("inputs", nargs=-1)
@click.option("-o", "--output", "output", type=click.Path(file_okay=False), help="Output folder.")
@click.option(
    "--config", is_eager=True, expose_value=False, callback=_load_settings, type=click.Path(dir_okay=False),
    help="Settings file (TOML; option names as keys). Default: [tool.cleaner] of ./pyproject.toml.",
)
@click.option("--print-config", is_flag=True, help="Show every setting and where it came from, then stop.")
@click.option(
    "--from-manifest", type=click.Path(exists=True, dir_okay=False),
    help="Run again with the parameters (and, unless INPUTS are given, the inputs) of OUT/manifest.json; options given override them.",
)
@click.option("--format", "output_format", type=click.Choice(["parquet", "jsonl"]), default=DEFAULTS.output_format, show_default=True)
@click.option(
    "--layout", type=click.Choice(["tables", "huggingface"]), default=DEFAULTS.layout, show_default=True,
    help="tables: one file per table; huggingface: shards data/train-00000-of-000NN.parquet and a dataset card.",
)
@click.option(
    "--partition-by", type=click.Choice(["source", "date"]),
    help="Hive folders (source=.../ or day=.../) for documents, paragraphs and clusters (tables layout, Parquet).",
)
@click.option("--shard-rows", type=int, default=DEFAULTS.shard_rows, show_default=True, help="Rows per shard (huggingface layout).")
@click.option("--overwrite", is_flag=True, help="Replace an existing output folder.")
@click.option("--workers", type=int, default=DEFAULTS.workers, help="Worker processes (default: all cores).")
@click.option(
    "--engine", type=click.Choice(["local", "spark"]), default=DEFAULTS.engine, show_default=True,
    help="Where per-document work runs: local processes, or Spark executors (pip install 'cleaner[spark]').",
)
@click.option("--spark-master", help="Spark master URL for --engine spark (default: local[WORKERS]).")
@click.option(
    "--driver-edges", type=int, default=DEFAULTS.driver_edges, show_default=True,
    help="With --engine spark: duplicate graphs with more edges get their connected components on the cluster.",
)
@click.option(
    "--work-dir", type=click.Path(file_okay=False),
    help="Folder for intermediate files: spilled text and band keys, and the Spark engine's exchange "
    "(default: the system's temporary folder; on a cluster: one every executor sees).",
)
@click.option("--no-strip", is_flag=True, help="Input is clean already: keep every non-blank line.")
@_strip_flags
@click.option("--prefer", multiple=True, help="Source whose copy becomes canonical first (repeatable, in order).")
@click.option("--jaccard", type=float, default=DEFAULTS.jaccard_threshold, show_default=True, help="Near-duplicate Jaccard threshold, in (0, 1].")
@click.option(
    "--containment", type=float, default=DEFAULTS.containment_threshold, show_default=True,
    help="Containment that makes an abridged copy or quoted paragraph a match.",
)
@click.option("--exact-only", is_flag=True, help="Cluster exact copies only (no MinHash).")
@click.option(
    "--index", "index_dir", type=click.Path(file_okay=False),
    help="Dedup index folder: match against earlier runs, then add this run to it.",
)
@click.option("--min-chars", type=int, default=DEFAULTS.min_paragraph_chars, show_default=True, help="Drop shorter paragraphs.")
@click.option(
    "--text-field", default=FIELDS.text, show_default=True,
    help="Record field holding plain text; fallbacks (body,text) and nested fields (doc.content) work for every --*-field.",
)
@click.option("--html-field", default=FIELDS.html, show_default=True, help="Record field holding HTML.")
@click.option("--id-field", default=FIELDS.id, show_default=True)
@click.option("--url-field", default=FIELDS.url, show_default=True)
@click.option("--source-field", default=FIELDS.source, show_default=True)
@click.option("--title-field", default=FIELDS.title, show_default=True)
@click.option("--author-field", default=FIELDS.author, show_default=True)
@click.option("--date-field", default=FIELDS.date, show_default=True)
@click.option(
    "--max-document-bytes", type=int, default=DEFAULTS.max_document_bytes, show_default=True,
    help="Larger documents (decompressed files, records) are reported in errors, not read.",
)
@click.option("--follow-symlinks", is_flag=True, help="Read files that links in an input folder point to outside it.")
@click.option("--allow-empty", is_flag=True, help="Write an empty dataset when the inputs give no document (else exit 1).")
@click.option("--limit", type=int, help="Read at most this many documents (a trial run).")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary (JSON) on standard output.")
@click.option("-v", "--verbose", count=True, help="Log the stages (-v) and their details (-vv) on standard error.")
@click.option("--strict", is_flag=True, help="Fail (exit 1, write nothing) if any input cannot be read.")
@click.option("--report", is_flag=True, help="Also write OUTPUT/report.html (see: cleaner report).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def clean_command(
    inputs: tuple[str, ...],
    output: str,
    output_format: str,
    layout: str,
    partition_by: str | None,
    shard_rows: int,
    overwrite: bool,
    workers: int,
    engine: str,
    spark_master: str | None,
    driver_edges: int,
    work_dir: str | None,
    no_strip: bool,
    keep_captions: bool,
    no_headings: bool,
    no_line_model: bool,
    pattern_files: tuple[str, ...],
    prefer: tuple[str, ...],
    jaccard: float,
    containment: float,
    exact_only: bool,
    index_dir: str | None,
    min_chars: int,
    text_field: str,
    html_field: str,
    id_field: str,
    url_field: str,
    source_field: str,
    title_field: str,
    author_field: str,
    date_field: str,
    max_document_bytes: int,
    follow_symlinks: bool,
    allow_empty: bool,
    limit: int | None,
    as_json: bool,
    verbose: int,
    strict: bool,
    report: bool,
    quiet: bool,
    print_config: bool,
    from_manifest: str | None,
) -> None:
    """Clean INPUTS (files, folders, or - for JSON Lines on stdin) into the dataset folder OUTPUT.

    Settings come from, highest first: the command line, CLEANER_<OPTION> variables, the
    settings file (--config, or [tool.cleaner] in ./pyproject.toml), the defaults."""
    context = click.get_current_context()
    if print_config:
        _print_config(context)
        return
    manifest = _read_manifest(from_manifest) if from_manifest else None
    if manifest is not None and not inputs:
        inputs = tuple(manifest.get("inputs", ()))
    if not inputs:
        raise click.UsageError("Missing argument 'INPUTS...'.")
    if not output:
        raise click.UsageError("Missing option '-o' / '--output'.")
    try:
        check_locations(output, inputs, index_dir)
        check_writable(Path(output), overwrite=overwrite)
        if index_dir is not None:
            check_index_writable(Path(index_dir))
    except CleanerError as exc:
        raise _refuse(exc) from exc
    try:
        config = CleanConfig(
            fields=FieldMap(
                text=text_field, html=html_field, id=id_field, url=url_field,
                source=source_field, title=title_field, author=author_field, date=date_field,
            ),
            workers=workers,
            engine=engine,  # type: ignore[arg-type]
            spark_master=spark_master,
            driver_edges=driver_edges,
            work_dir=work_dir,
            output_format=output_format,  # type: ignore[arg-type]
            layout=layout,  # type: ignore[arg-type]
            partition_by=partition_by,  # type: ignore[arg-type]
            shard_rows=shard_rows,
            strip=not no_strip,
            keep_captions=keep_captions,
            keep_headings=not no_headings,
            line_model=not no_line_model,
            extra_patterns=_load_patterns(pattern_files),
            min_paragraph_chars=min_chars,
            prefer_sources=prefer,
            jaccard_threshold=jaccard,
            containment_threshold=containment,
            near_duplicates=not exact_only,
            index_dir=index_dir,
            max_document_bytes=max_document_bytes,
            follow_symlinks=follow_symlinks,
            allow_empty=allow_empty,
            limit=limit,
        )
        if manifest is not None:
            given = {FIELD_OF_PARAM[name] for name in FIELD_OF_PARAM if context.get_parameter_source(name) != ParameterSource.DEFAULT}
            config = CleanConfig.from_dict(manifest.get("parameters", {})).with_options(**{name: getattr(config, name) for name in given})
    except ConfigError as exc:
        raise _refuse(exc) from exc
    _log_to_stderr(verbose)
    if "-" in inputs and sys.stdin.isatty() and not quiet:
        click.echo("reading JSON Lines (one record a line) from standard input; end with Ctrl-D", err=True)
    progress = None if quiet else progress_for(sys.stderr)
    try:
        _run_and_write(inputs, output, config, _Delivery(overwrite, strict, quiet, as_json, report), index_dir, progress)
    finally:
        if progress is not None:
            progress.close()


class _Delivery(NamedTuple):
    """How ``clean`` hands its result over: what it may replace, refuse, print and add."""

    overwrite: bool
    strict: bool
    quiet: bool
    as_json: bool
    report: bool


def _full_disk_hint(exc: OSError, config: CleanConfig) -> str:
    """Where the run's intermediate files went, when a disk filled up: the error (often
    Arrow's) does not name the file it was writing."""
    if exc.errno != errno.ENOSPC and "No space left" not in str(exc):
        return ""
    folder = config.work_dir if config.work_dir is not None else tempfile.gettempdir()
    return f"; the run's intermediate files go to the work folder {os.fspath(folder)!r}: free space there or choose another with --work-dir"


def _run_and_write(
    inputs: tuple[str, ...],
    output: str,
    config: CleanConfig,
    delivery: _Delivery,
    index_dir: str | None,
    progress: Progress | None,
) -> None:
    overwrite, strict, quiet, as_json, report = delivery
    try:
        result = clean(list(inputs), config, progress=progress)
    except CleanerError as exc:
        raise _refuse(exc) from exc
    except OSError as exc:  # the work folder's disk filled up, a file vanished under the run...
        raise click.ClickException(f"the run failed: {exc}{_full_disk_hint(exc, config)} (nothing was written)") from exc
    except (KeyboardInterrupt, Terminated) as stop:
        raise _stopped(stop, "nothing was written") from None
    skipped = result.errors.filter(result.errors["action"] == "skipped")
    if strict and skipped.height:
        for row in skipped.iter_rows(named=True):
            click.echo(f"error: {row['path']}: {row['error']}", err=True)
        raise click.ClickException(f"{skipped.height} input(s) could not be read (--strict): nothing written")
    if progress is not None:
        progress.stage("writing")
    try:
        result.write(output, overwrite=overwrite, update_index=index_dir is not None, report=report)
    except CleanerError as exc:
        raise _refuse(exc) from exc
    except (KeyboardInterrupt, Terminated) as stop:
        raise _stopped(stop, _written_when_stopped(output, result.manifest, index_dir)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {output!r}: {exc} (nothing was written)") from exc
    if not quiet:
        for row in skipped.head(10).iter_rows(named=True):
            where = f"{row['path']}" + (f" (record {row['record']})" if row["record"] is not None else "")
            click.echo(f"warning: {where}: {row['error']}", err=True)
        if skipped.height > 10:
            click.echo(f"warning: {skipped.height - 10} more input errors in {output}/errors", err=True)
        if progress is not None:
            progress.close()
        click.echo(result.summary(), err=True)
        click.echo(f"wrote {output}" + (f" and {Path(output) / 'report.html'}" if report else ""), err=True)
    if as_json:
        click.echo(json.dumps({"output": output, **{key: result.manifest[key] for key in ("version", "counts", "timings", "peak_memory_mb")}}, sort_keys=True))


def _stopped(stop: BaseException, outcome: str) -> click.exceptions.Exit:
    """The message and exit code of a run stopped by Ctrl-C or SIGTERM."""
    terminated = isinstance(stop, Terminated)
    click.echo(f"\n{'terminated (SIGTERM)' if terminated else 'interrupted'}: {outcome}", err=True)
    return click.exceptions.Exit(TERMINATED_EXIT_CODE if terminated else INTERRUPTED_EXIT_CODE)


def _written_when_stopped(output: str, manifest: dict[str, object], index_dir: str | None) -> str:
    """What a run stopped while writing left: the output is put in place whole or not at all,
    and the index is updated after it, or stays as it was (``CleanResult.write``)."""
    try:
        placed = json.loads((Path(output) / MANIFEST).read_text(encoding="utf-8")) == json.loads(json.dumps(manifest, default=str))
    except (OSError, ValueError):
        placed = False
    if not placed:
        return "nothing was written" + (f" (the index {index_dir!r} is as it was)" if index_dir is not None else "")
    if index_dir is not None:
        return f"{output} was written, but the index {index_dir!r} was not updated (it is as it was)"
    return f"{output} was written"


def _read_manifest(path: str) -> dict[str, object]:
    try:
        manifest = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.BadParameter(f"{path}: {exc}", param_hint="--from-manifest") from exc
    if not isinstance(manifest, dict) or "parameters" not in manifest:
        raise click.BadParameter(f"{path} is not a cleaner manifest", param_hint="--from-manifest")
    return manifest


def _log_to_stderr(verbosity: int) -> None:
    """``-v``: the ``cleaner`` logger's stage messages on standard error; ``-vv``: details too."""
    if verbosity <= 0:
        return
    logger = logging.getLogger("cleaner")
    if not any(getattr(handler, "cleaner_cli", False) for handler in logger.handlers):  # once per process
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
        handler.cleaner_cli = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.INFO if verbosity == 1 else logging.DEBUG)


@cli.command("strip")
@click.argument("file", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--explain", is_flag=True, help="Show every line with its decision, reason and score.")
@click.option("--html", "as_html", is_flag=True, help="FILE is HTML (implied by a .html/.htm name).")
@_strip_flags
def strip_command(
    file: str,
    explain: bool,
    as_html: bool,
    keep_captions: bool,
    no_headings: bool,
    no_line_model: bool,
    pattern_files: tuple[str, ...],
) -> None:
    """Print the cleaned text of FILE (or - for stdin): a text or HTML document, or each
    document of a records file (JSON Lines, JSON, CSV, Parquet), web archive or feed."""
    options = StripOptions(
        keep_captions=keep_captions,
        keep_headings=not no_headings,
        extra_patterns=_load_patterns(pattern_files),
        line_model=not no_line_model,
    )
    kind, compressed = file_kind(file)
    if file != "-" and kind in ("records", "csv", "parquet", "warc", "feed"):
        errors: list[ErrorRow] = []
        for document in read_file(InputFile(file, file, kind, compressed), DEFAULTS, errors):
            click.echo(f"=== {document['doc_id']}")
            _print_document(document["body"], document["content_type"] == "html", options, explain)
        for error in errors:
            where = f"{error.path}" + (f" (record {error.record})" if error.record is not None else "")
            click.echo(f"warning: {where}: {error.error}", err=True)
        return
    is_html = as_html or kind == "html"
    limit = DEFAULTS.max_document_bytes
    try:
        if file == "-":
            data = open_standard_input().read(limit + 1)  # compressed or not
            if len(data) > limit:
                raise InputError(too_large(limit))
        else:
            data = read_bytes(InputFile(file, file, "html" if is_html else "text", compressed), limit)
        text, _ = decode_bytes(data, html=is_html)
    except (*DECOMPRESSION_ERRORS, InputError) as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    _print_document(text, is_html, options, explain)


def _print_document(text: str, is_html: bool, options: StripOptions, explain: bool) -> None:
    if is_html:
        # trafilatura loads only when HTML is asked for
        from cleaner.extract import extract_html

        _print_html(extract_html(text, options=options), explain)
        return
    result = strip_text(text, options=options)
    if not explain:
        click.echo(result.text)
        return
    for key in ("title", "author", "date"):
        click.echo(f"# {key}: {result.metadata.get(key) or '-'}")
    click.echo(f"# language: {result.language or '-'}")
    confidence = "-" if result.confidence is None else f"{result.confidence:.2f}"
    click.echo(f"# strip confidence: {confidence}  (kept score / (kept + best rejected run); low: review the page)")
    click.echo("# line keep/drop reason          score  p(text)  text   (score: prose weight for the main region; p: line model)")
    for decision in result.decisions:
        verdict = "keep" if decision.keep else "drop"
        score = "barrier" if decision.score <= -1e9 else f"{decision.score:.0f}"
        content = "-" if decision.content is None else f"{decision.content:.2f}"
        click.echo(f"{decision.line:5d} {verdict} {decision.reason:<14} {score:>8} {content:>5}  {decision.text.strip()}")


def _print_html(result: ExtractResult, explain: bool) -> None:
    if not explain:
        click.echo("\n\n".join(p.text for p in result.paragraphs))
        return
    for key in ("title", "author", "date", "sitename", "language", "url"):
        click.echo(f"# {key}: {result.metadata.get(key) or '-'}")
    click.echo(f"# extractor: {result.extractor}")
    for paragraph in result.paragraphs:
        click.echo(f"keep kept            {paragraph.text}")
    for text, reason in result.removed:
        click.echo(f"drop {reason:<15} {text}")


@cli.command("explain")
@click.argument("output", type=click.Path(exists=True, file_okay=False))
@click.argument("para_id")
def explain_command(output: str, para_id: str) -> None:
    """Show why paragraph PARA_ID of the dataset OUTPUT is in its cluster."""
    try:
        click.echo(explain(output, para_id))
    except UnknownParagraphError as exc:
        raise click.ClickException(f"no paragraph {para_id!r} in {output}") from exc
    except (OSError, KeyError, pl.exceptions.PolarsError) as exc:
        raise click.ClickException(f"{output} is not a cleaner output folder: {exc}") from exc


@cli.command("report")
@click.argument("output", type=click.Path(exists=True, file_okay=False))
def report_command(output: str) -> None:
    """Write OUTPUT/report.html: what a dataset folder removed, merged and could not read.

    One self-contained page (inline plots, no remote resources) that opens offline."""
    from cleaner.report import write_report  # matplotlib loads only for a report

    try:
        written = write_report(output)
    except CleanerError as exc:
        raise _refuse(exc) from exc
    except OSError as exc:
        raise click.ClickException(f"cannot write the report into {output!r}: {exc}") from exc
    click.echo(f"wrote {written}", err=True)


@cli.group("index")
def index_group() -> None:
    """Look after a dedup index (--index DIR): what it holds, whether it is whole, compaction."""


@index_group.command("info")
@click.argument("index_dir", type=click.Path(exists=True, file_okay=False))
def index_info(index_dir: str) -> None:
    """Parts, documents and paragraphs of the index INDEX_DIR, and its parameters."""
    try:
        info = DedupIndex(index_dir).info()
    except CleanerError as exc:
        raise _refuse(exc) from exc
    for key, value in info.items():
        click.echo(f"{key}: {json.dumps(value, sort_keys=True) if isinstance(value, dict) else value}")


@index_group.command("verify")
@click.argument("index_dir", type=click.Path(exists=True, file_okay=False))
def index_verify(index_dir: str) -> None:
    """Read every part of INDEX_DIR; list what is damaged or left by killed runs (exit 1 if any)."""
    problems = DedupIndex(index_dir).verify()
    for problem in problems:
        click.echo(problem)
    if problems:
        damaged = any(not problem.endswith(LEFT_OVER) for problem in problems)
        raise click.ClickException(f"{len(problems)} problem(s) in {index_dir}" + (f": {REBUILD}" if damaged else ""))
    click.echo(f"{index_dir}: every part reads, nothing left over")


@index_group.command("compact")
@click.argument("index_dir", type=click.Path(exists=True, file_okay=False))
def index_compact(index_dir: str) -> None:
    """Rewrite INDEX_DIR as one part holding each document's latest entries."""
    try:
        kept = DedupIndex(index_dir).compact()
    except CleanerError as exc:
        raise _refuse(exc) from exc
    click.echo(f"{index_dir}: {kept:,} paragraphs in one part")


def main() -> None:
    """Console-script entry point.

    On the way out the objects still alive are frozen (``gc.freeze``), so that the
    interpreter's last garbage collections do not walk them. numba's compiler, Polars and
    pyarrow leave about 150,000; walking them took 0.1-0.2 s of a 2.7 s run of 100,000
    paragraphs (the dedup benchmark's corpus, runs with and without alternating: 2.71-2.84 s,
    2.58-2.68 s). Every table is closed and in place by then; objects are still freed and
    ``atexit`` hooks still run. SIGTERM stops a run as Ctrl-C does (:class:`Terminated`).
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        cli(prog_name="cleaner")
    except Terminated:  # outside a run (``cleaner index compact``, ``cleaner report``...)
        click.echo("\nterminated (SIGTERM)", err=True)
        sys.exit(TERMINATED_EXIT_CODE)
    finally:
        gc.freeze()
