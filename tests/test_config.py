"""One home for defaults and checks: CleanConfig refuses what the command line refuses."""

from __future__ import annotations

import inspect
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import cleaner
from cleaner import errors
from cleaner.cli import FIELD_OF_PARAM, cli, option_of_field
from cleaner.config import MIN_PERMUTATIONS, CleanConfig
from cleaner.duplicates.banding import choose_bands
from cleaner.duplicates.index import compatibility
from cleaner.errors import CleanerError, ConfigError
from tests.conftest import SAMPLES

BAD_VALUES = [
    ("jaccard_threshold", 0.0),
    ("jaccard_threshold", 1.5),
    ("containment_threshold", -0.1),
    ("duplicate_doc_ratio", 0.0),
    ("num_perm", MIN_PERMUTATIONS - 1),
    ("workers", -1),
    ("batch_size", 0),
    ("shard_rows", 0),
    ("min_paragraph_chars", 0),
    ("max_bucket", 1),
    ("document_timeout", -1.0),
    ("engine", "gpu"),
    ("output_format", "csv"),
    ("layout", "folders"),
    ("partition_by", "outlet"),
]


@pytest.mark.parametrize(("field", "value"), BAD_VALUES)
def test_a_value_out_of_range_is_refused_naming_its_field(field: str, value: object) -> None:
    with pytest.raises(ConfigError) as refused:
        CleanConfig(**{field: value})
    assert refused.value.field == field and field in str(refused.value)
    assert isinstance(refused.value, ValueError) and isinstance(refused.value, CleanerError)


@pytest.mark.parametrize("name", ["", " ", "body,", "doc..content", ".content"])
def test_an_empty_field_name_is_refused_naming_its_option(name: str) -> None:
    with pytest.raises(ConfigError) as refused:
        CleanConfig().with_options(text_field=name)
    assert refused.value.field == "text_field" and option_of_field(refused.value.field) == "--text-field"
    assert CleanConfig().with_options(text_field="body, doc.content").fields.text == "body, doc.content"


def test_the_library_refuses_before_reading_anything(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="jaccard_threshold"):
        cleaner.clean([str(tmp_path / "does-not-matter")], jaccard_threshold=2.0)
    with pytest.raises(ConfigError, match="partition_by"):
        CleanConfig().with_options(partition_by="source", output_format="jsonl")


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--jaccard", "0"), ("--jaccard", "1.2"), ("--containment", "0"), ("--workers", "-2"), ("--min-chars", "0"), ("--shard-rows", "0"),
        ("--text-field", ""), ("--id-field", "guid,"), ("--date-field", "meta..published"),
    ],
)
def test_the_command_line_refuses_the_same_values_naming_the_option(tmp_path: Path, option: str, value: str) -> None:
    result = CliRunner().invoke(cli, ["clean", str(SAMPLES), "-o", str(tmp_path / "out"), option, value])
    assert result.exit_code == 2 and option in result.output, result.output
    assert not (tmp_path / "out").exists()


def test_every_command_line_default_is_the_configuration_default() -> None:
    command = cli.commands["clean"]
    context = click.Context(command)
    defaults = CleanConfig()
    by_option = {opt: param for param in command.params for opt in param.opts}

    def default_of(option: str) -> object:
        value = by_option[option].get_default(context)
        return None if type(value).__name__ == "Sentinel" else value  # click 8.3 marks "no default" so

    for param in command.params:
        field = FIELD_OF_PARAM.get(param.name or "")
        if field is None or field == "fields" or param.name.startswith("no_") or param.name in ("exact_only", "pattern_files", "prefer"):
            continue
        assert default_of(option_of_field(field)) == getattr(defaults, field), param.name
    for name in ("text", "html", "id", "url", "source", "title", "author", "date"):
        assert default_of(f"--{name}-field") == getattr(defaults.fields, name)


def test_the_banding_is_chosen_once_and_carried_with_the_signature() -> None:
    for threshold in (0.3, 0.5, 0.8):
        config = CleanConfig(jaccard_threshold=threshold)
        params = config.signature_params()
        assert (params.bands, params.rows) == choose_bands(threshold, config.num_perm)
        assert params.bands * params.rows <= params.num_perm
        assert compatibility(config)["bands"] == params.bands and compatibility(config)["rows"] == params.rows
        assert "bands" not in params.to_dict()  # the signature's identity: old indexes stay comparable


def test_every_fatal_error_is_a_cleaner_error_with_its_builtin_base_and_exit_code() -> None:
    classes = [cls for _, cls in inspect.getmembers(errors, inspect.isclass) if issubclass(cls, Exception) and cls is not CleanerError]
    assert len(classes) >= 7
    for cls in classes:
        assert issubclass(cls, CleanerError) and cls.__mro__[2] is not object, cls
        assert cls.exit_code in (errors.FATAL_EXIT_CODE, errors.USAGE_EXIT_CODE)
    assert issubclass(errors.OutputExistsError, FileExistsError) and errors.OutputExistsError.exit_code == 2
    assert issubclass(errors.UnknownParagraphError, KeyError)
    assert cleaner.CleanerError is CleanerError
