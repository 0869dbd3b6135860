"""Words, stopwords and languages: one guesser for text mode and extracted HTML."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import strip_texts
from cleaner.normalize import WORD, normalize_series
from cleaner.strip.language import (
    guess_languages,
    iso_code,
    stoplists,
    word_ids,
    words_of,
)
from tests.conftest import ARTICLE


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40), max_size=10))
def test_words_are_the_regex_words_of_each_line(texts: list[str]) -> None:
    normalized = normalize_series(pl.Series(texts, dtype=pl.String))
    unit, words = words_of(normalized)
    expected = [(row, word) for row, line in enumerate(normalized.str.extract_all(WORD).to_list()) for word in line]
    assert list(zip(unit.tolist(), words.to_list())) == expected


def test_stopword_ids_by_join_equal_dictionary_lookups() -> None:
    index = stoplists().index
    words = pl.Series([*list(index)[:30_000:7], "", "zzzqx", "the", "der", "nicht", "ünd"] * 8, dtype=pl.String)
    assert len(words) > 25_000  # the join's side of the threshold
    assert word_ids(words).tolist() == [index.get(word, -1) for word in words.to_list()]


ENGLISH = (
    "The council said on Monday that the new bridge would open to traffic in the spring, and that the old one "
    "would be closed for repairs until the end of the year, when it is expected to carry buses again."
)
GERMAN = (
    "Der Stadtrat hat am Montag beschlossen, dass die neue Brücke im Frühjahr für den Verkehr geöffnet wird und "
    "dass die alte bis zum Ende des Jahres wegen Reparaturen gesperrt bleibt, bevor dort wieder Busse fahren."
)


def test_one_guesser_names_the_language_of_text_and_of_stripped_documents() -> None:
    texts = [ENGLISH, GERMAN, ARTICLE, "Menu\nHome\nLog in"]
    guessed = [iso_code(name) for name in guess_languages(texts)]
    assert guessed[:3] == ["en", "de", "en"] and guessed[3] is None
    assert [result.language for result in strip_texts(texts)] == guessed


def test_stopword_ids_do_not_depend_on_the_string_hash_seed() -> None:
    """jusText's lists are sets: unsorted, the word ids (and the order in which language scores
    are summed, whose last bits broke ties) changed with the seed of each process."""
    import os
    import subprocess
    import sys

    probe = "import hashlib; from cleaner.strip.language import stopword_index; print(hashlib.sha1(repr(list(stopword_index().items())).encode()).hexdigest())"
    digests = {
        subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": seed}
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(digests) == 1
