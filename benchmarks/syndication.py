"""A generator of multi-source news corpora with known edits, and their exact ground truth.

Each story paragraph is written once by a "wire" and then carried by several outlets, each
copy edited the way syndicated news is: a dateline or credit added in front, a few words
replaced, numbers re-formatted, the last sentence cut, or one sentence quoted inside a new
paragraph. Unrelated paragraphs fill the rest. The words come from a Zipf-distributed
vocabulary with a small set of frequent function words, so unrelated paragraphs share common
short phrases as real ones do.
"""

from __future__ import annotations

import itertools
import json
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

FUNCTION_WORDS = "the of and to in a that is was for on with as by at from it said his her their".split()
DATELINES = ["NORTHBRIDGE (Wire) -", "LANGFORD -", "GREYWATER, March 5 -", "By a staff writer:", "UPDATED:"]
BOILERPLATE = [
    "Skip to main content", "Share this article", "Read more", "Sign up for our newsletter",
    "All rights reserved", "Follow us on social media", "Back to top", "Thanks for reading",
]
"""Short lines every outlet prints in its own punctuation and case ("Skip to: main content.")."""


@dataclass(frozen=True)
class Paragraph:
    para_id: str
    doc_id: str
    source: str
    text: str
    origin: int  # the story paragraph it derives from (-1: unrelated)
    edit: str


class Generator:
    """Deterministic corpus generator (``seed`` fixes everything)."""

    def __init__(self, seed: int = 7, vocabulary: int = 30_000) -> None:
        self.random = random.Random(seed)
        letters = "abcdefghijklmnopqrstuvwxyz"
        self.words = ["".join(self.random.choice(letters) for _ in range(self.random.randint(3, 10))) for _ in range(vocabulary)]
        self.cum_weights = list(itertools.accumulate(1.0 / (rank + 10) for rank in range(vocabulary)))

    def sentence(self) -> str:
        n = self.random.randint(8, 22)
        picked = self.random.choices(self.words, cum_weights=self.cum_weights, k=n)
        for i in range(0, n, 3):
            picked[i] = self.random.choice(FUNCTION_WORDS)
        if self.random.random() < 0.3:
            picked[self.random.randrange(n)] = str(self.random.randint(2, 5000))
        text = " ".join(picked)
        return text[0].upper() + text[1:] + "."

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.random.randint(2, 4)))

    def edit(self, text: str) -> tuple[str, str]:
        kind = self.random.choice(["dateline", "words", "numbers", "truncate", "quote", "words+dateline"])
        sentences = text.split(". ")
        if kind in ("dateline", "words+dateline"):
            text = f"{self.random.choice(DATELINES)} {text}"
        if kind in ("words", "words+dateline"):
            tokens = text.split(" ")
            for _ in range(self.random.randint(1, 3)):
                tokens[self.random.randrange(len(tokens))] = self.random.choice(self.words)
            text = " ".join(tokens)
        if kind == "numbers":
            text = " ".join(f"{int(t):,}" if t.isdigit() else t for t in text.split(" ")).replace("said", "told reporters")
        if kind == "truncate" and len(sentences) > 2:
            text = ". ".join(sentences[:-1]) + "."
        if kind == "quote":
            quoted = max(sentences, key=len).rstrip(".")
            text = f"{self.sentence()} \"{quoted},\" the statement said. {self.sentence()} {self.sentence()}"
        return text, kind

    def boilerplate(self) -> tuple[str, int]:
        """A short line of :data:`BOILERPLATE` as one outlet prints it, and which line it is."""
        which = self.random.randrange(len(BOILERPLATE))
        words = BOILERPLATE[which].split(" ")
        if self.random.random() < 0.5:
            cut = self.random.randrange(1, len(words))
            words[cut - 1] += self.random.choice([":", " -", " |", ","])
        text = " ".join(words)
        text = self.random.choice([text, text.lower(), text.upper(), text.title()])
        return text + self.random.choice(["", ".", " »", "!", " ›", "..."]), which

    def corpus(
        self, n_paragraphs: int, copy_share: float = 0.5, paragraphs_per_doc: int = 8, boilerplate_share: float = 0.0
    ) -> list[Paragraph]:
        """About ``copy_share`` of the paragraphs are edited copies of story paragraphs, and
        ``boilerplate_share`` short boilerplate lines (origin ``-2 - line``: copies of one line)."""
        out: list[Paragraph] = []
        stories = 0
        doc = 0
        while len(out) < n_paragraphs:
            origin = stories
            stories += 1
            base = self.paragraph()
            copies = 1
            if self.random.random() < copy_share:
                copies += self.random.choice([1, 1, 2, 3, 5, 8])
            for copy in range(copies):
                text, kind = (base, "original") if copy == 0 else self.edit(base)
                source = f"outlet-{self.random.randrange(50)}" if copy else "wire"
                out.append(Paragraph("", "", source, text, origin, kind))
            if self.random.random() < 0.5:
                out.append(Paragraph("", "", f"outlet-{self.random.randrange(50)}", self.paragraph(), -1, "unrelated"))
            while self.random.random() < boilerplate_share:
                text, which = self.boilerplate()
                out.append(Paragraph("", "", f"outlet-{self.random.randrange(50)}", text, -2 - which, "boilerplate"))
        out = out[:n_paragraphs]
        self.random.shuffle(out)
        result = []
        for index, paragraph in enumerate(out):
            doc = index // paragraphs_per_doc
            result.append(
                Paragraph(f"d{doc}#p{index % paragraphs_per_doc}", f"d{doc}", paragraph.source, paragraph.text, paragraph.origin, paragraph.edit)
            )
        return result


def write_jsonl(paragraphs: list[Paragraph], path: Path) -> None:
    """One record per document, paragraphs separated by blank lines (what ``--no-strip`` reads)."""
    documents: dict[str, list[Paragraph]] = defaultdict(list)
    for paragraph in paragraphs:
        documents[paragraph.doc_id].append(paragraph)
    with open(path, "w", encoding="utf-8") as handle:
        for doc_id, items in documents.items():
            record = {"id": doc_id, "source": items[0].source, "text": "\n\n".join(p.text for p in items)}
            handle.write(json.dumps(record) + "\n")


def exact_pairs(shingle_sets: list[set[int]], max_posting: int = 5_000) -> Iterator[tuple[int, int, float, float]]:
    """Every pair sharing a shingle with its exact Jaccard and containment.

    Exact for the thresholds measured: two paragraphs with any positive similarity share a
    shingle. Postings longer than ``max_posting`` (none in generated corpora) are skipped
    and would be reported by the caller.
    """
    postings: dict[int, list[int]] = defaultdict(list)
    for index, shingles in enumerate(shingle_sets):
        for shingle in shingles:
            postings[shingle].append(index)
    seen: set[tuple[int, int]] = set()
    for members in postings.values():
        if len(members) < 2 or len(members) > max_posting:
            continue
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if (a, b) in seen:
                    continue
                seen.add((a, b))
                sa, sb = shingle_sets[a], shingle_sets[b]
                shared = len(sa & sb)
                yield a, b, shared / len(sa | sb), shared / min(len(sa), len(sb))
