"""Signatures, candidates, verification and clusters of near-duplicate paragraphs."""

from __future__ import annotations

import polars as pl

import cleaner
from tests.conftest import BASE, PARAGRAPHS


def test_pipeline_reports_near_and_contained_copies() -> None:
    quote = '"Please stay away from downed lines and treat every one of them as live," said the head of operations.'
    records = [
        {"id": "wire", "date": "2026-03-05", "text": BASE + "\n\n" + quote},
        {"id": "edited", "date": "2026-03-06", "text": PARAGRAPHS[1]},
        {"id": "quoting", "date": "2026-03-06", "text": "At a briefing on Thursday evening, after a long day in which crews restored power to about half of the "
         "homes that lost it, the utility repeated its warning. " + quote + " Crews worked through the night, and more "
         "help was expected from the neighbouring provinces by Friday."},
        {"id": "other", "date": "2026-03-06", "text": PARAGRAPHS[2]},
    ]
    result = cleaner.clean(records, workers=1)
    rows = {r["doc_id"]: r for r in result.paragraphs.iter_rows(named=True)}
    assert rows["edited"]["match"] == "near" and 0.5 <= rows["edited"]["similarity"] < 1.0
    assert rows["quoting"]["match"] == "contained" and rows["quoting"]["containment"] >= 0.8
    assert rows["other"]["is_canonical"] and rows["other"]["match"] == "canonical"
    wire = result.paragraphs.filter(pl.col("doc_id") == "wire")
    assert wire["is_canonical"].to_list() == [True, True]
    assert result.clusters.filter(pl.col("size") > 1)["doc_ids"].to_list() == [["edited", "wire"], ["quoting", "wire"]]
    assert result.manifest["dedup"]["signature"]["scheme"] == "affine64"


def test_short_paragraphs_only_match_exactly() -> None:
    records = [{"id": str(i), "text": t} for i, t in enumerate(["Read more", "Read more here", "Bus routes", "Bus routes today"])]
    result = cleaner.clean(records, workers=1, strip=False)
    assert result.clusters.height == 4
    assert cleaner.clean([], workers=1, allow_empty=True).paragraphs.height == 0


def test_dedup_on_clean_frames_keeps_every_line() -> None:
    frame = pl.DataFrame({"id": ["a", "b"], "text": ["Menu\n" + BASE, "Share this\n" + PARAGRAPHS[1]]})
    result = cleaner.dedup(frame)
    assert result.removed.height == 0
    assert result.paragraphs.height == 4
    assert result.paragraphs["match"].to_list() == ["canonical", "near", "canonical", "canonical"]


def test_near_copies_written_without_spaces_are_found() -> None:
    japanese = (
        "港のフェリーは今朝から運航を再開した。市の担当者によると、天候は回復しており、"
        "全ての便が予定通り運航される見込みである。観光客の多くは安堵の表情を見せた。"
    )
    chinese = "港的渡轮今天早上恢复运营。市政府官员表示，天气已经好转，所有航班预计将按计划运行。许多游客松了一口气。"
    texts = [japanese, japanese.replace("今朝", "本日の朝"), chinese, chinese.replace("今天早上", "今晨")]
    result = cleaner.dedup(pl.DataFrame({"id": ["ja", "ja-copy", "zh", "zh-copy"], "text": texts}), workers=1)
    clusters = dict(result.paragraphs.select("doc_id", "cluster_id").iter_rows())
    assert clusters["ja"] == clusters["ja-copy"] and clusters["zh"] == clusters["zh-copy"] and clusters["ja"] != clusters["zh"]
    assert set(result.paragraphs["match"]) == {"canonical", "near"}
