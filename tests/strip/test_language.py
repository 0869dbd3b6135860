"""Words, stopwords and languages: one guesser for text mode and extracted HTML."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import strip_texts
from cleaner.normalize import WORD, normalize_series, word_characters
from cleaner.strip.language import (
    document_languages,
    guess_languages,
    iso_code,
    language_codes,
    languages_by_script,
    stop_ratios,
    stoplists,
    stopword_ids,
)
from tests.conftest import ARTICLE


def _dictionary_ids(normalized: pl.Series) -> list[tuple[int, int]]:
    """The definition: every match of ``WORD`` (Polars' engine), looked up among the stopwords."""
    index = stoplists().index
    return [(row, index.get(word, -1)) for row, line in enumerate(normalized.str.extract_all(WORD).to_list()) for word in line]


LINE_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
STOPWORDY = st.lists(
    st.sampled_from(["the", "der", "nicht", "ünd", "и", "そして", "zzzqx", "2024", "l'été", "naïve", "—", "x²", "𝔘"]), max_size=12
).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(LINE_TEXT, STOPWORDY), max_size=12))
def test_the_compiled_scan_finds_the_regex_words_and_their_stopword_ids(texts: list[str]) -> None:
    normalized = normalize_series(pl.Series(texts, dtype=pl.String))
    line, ids = stopword_ids(normalized, compiled=True)
    assert list(zip(line.tolist(), ids.tolist())) == list(zip(*stopword_ids(normalized, compiled=False)))
    assert list(zip(line.tolist(), ids.tolist())) == _dictionary_ids(normalized)


def test_the_compiled_scan_knows_every_stopword() -> None:
    """Every stopword on a line of its own; one with a character outside words ("aren't") is
    several words by either split (15% of the lists hold punctuation: "het,"), and none of them
    is that stopword."""
    words = pl.Series(list(stoplists().index), dtype=pl.String)
    line, ids = stopword_ids(words, compiled=True)
    assert list(zip(line.tolist(), ids.tolist())) == _dictionary_ids(words)
    whole = words.str.contains(f"^{WORD}$").to_numpy()
    assert whole.mean() > 0.8 and ids[whole[line]].tolist() == np.flatnonzero(whole).tolist()


def test_compiled_and_numpy_counts_give_the_same_languages_and_stop_ratios() -> None:
    """The language scores are summed in the same order both ways: the same floats, so the
    same ties broken the same way."""
    texts = [ENGLISH, GERMAN, ARTICLE, "Menu\nHome\nLog in", f"{GERMAN}\n{ENGLISH}\n{ENGLISH}", ENGLISH.upper(), ""]
    texts += [" ".join([ENGLISH] * (k + 1)) + "\nShare\nHome" * k for k in range(80)]  # documents of more than 60 lines
    lines = pl.Series(texts, dtype=pl.String).str.split("\n")
    normalized = normalize_series(lines.explode())
    unit, word = stopword_ids(normalized, compiled=False)
    units = pl.DataFrame(
        {"doc": np.repeat(np.arange(len(texts)), lines.list.len().to_numpy()), "n_words": np.bincount(unit, minlength=len(normalized))}
    )
    ranked = {compiled: document_languages(units, unit, word, len(texts), compiled=compiled) for compiled in (False, True)}
    assert ranked[False].tolist() == ranked[True].tolist()
    ratios = [stop_ratios(units, unit, word, ranked[False], compiled=compiled).to_list() for compiled in (False, True)]
    assert ratios[0] == ratios[1] and max(ratios[0]) > 0.3


def test_the_word_table_is_polars_word_pattern() -> None:
    is_word = word_characters()
    sample = [0x41, 0x5F, 0x2D, 0xE9, 0x301, 0x660, 0xB2, 0x3042, 0x3000, 0x1D518, 0x1F600, 0x10FFFF]
    expected = pl.Series([chr(code) for code in sample]).str.contains(f"^{WORD}$").to_list()
    assert [bool(is_word[code]) for code in sample] == expected == [True, False, False, True, True, True, True, True, False, True, False, False]


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


def test_english_words_in_a_list_of_another_script_do_not_make_english_that_language() -> None:
    # Marathi's list holds "article", "paragraph", "second", "same"... from Wikipedia: this text
    # had more of them than English's list has, and came out Marathi
    text = "A first article paragraph with enough words in it to count.\n\nA second paragraph of the same article, also with words."
    assert guess_languages([text]) == ["English"]
    marathi = "मुंबई ही महाराष्ट्राची राजधानी आहे आणि ते भारतातील सर्वात मोठे शहर आहे. या शहराची लोकसंख्या खूप आहे."
    assert guess_languages([marathi]) == ["Marathi"]


def test_text_in_a_script_without_a_stoplist_is_named_by_its_letters() -> None:
    japanese = "港のフェリーは今朝から運航を再開した。市の担当者によると、天候は回復しており、全ての便が予定通り運航される見込みである。"
    chinese = "港的渡轮今天早上恢复运营。市政府官员表示，天气已经好转，所有航班预计将按计划运行。许多游客松了一口气。"
    thai = "เรือข้ามฟากกลับมาให้บริการอีกครั้งในเช้าวันนี้หลังพายุผ่านไป เจ้าหน้าที่เมืองกล่าวว่าสภาพอากาศดีขึ้นแล้ว"
    english_naming_tokyo = "The ferry to 東京 resumed this morning after the storm passed, officials said on Tuesday."
    texts = [japanese, chinese, thai, english_naming_tokyo, "Menu\nHome\nLog in"]
    assert languages_by_script(texts) == ["ja", "zh", "th", None, None]
    assert guess_languages(texts)[:3] == [None, None, None]  # no stoplist: jusText's anchor keeps its English default
    assert language_codes(texts) == ["ja", "zh", "th", "en", None]
    assert [result.language for result in strip_texts(texts[:4])] == ["ja", "zh", "th", "en"]
