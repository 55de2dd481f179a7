"""Segmentation speed on one core: the segmenter vs spaCy's blank pipeline vs a plain regex,
and the sentence roles of the rationales.

    python benchmarks/bench_segment.py [--n 2000]

Texts are the hand-written test letters of every layout, the seed letter and the real
letters of ../shared/real when present, each copy made unique (its case number and a
sentence varied) so that no cache flatters the figures. Targets (issue 2): segmenter
>= 2,000 letters/s and >= 10x the blank pipeline. The segmenter is timed as segment rows and
scoring run it (`make_nlp(sentence_roles=False)`) and as `make_nlp()` builds it (with the
rationale sentences on the Doc; their roles are given when read, so not timed there); the
role labeller (`imr_ml.segment.roles`, what the model can call on rationale text) on its own.
The letter facts are also read from contrived texts of 200,000 characters without a full
stop (a reviewer block's words repeated), whose reading once grew with the square of their
length: target >= 1,000,000 characters/s, as for ordinary letters.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import spacy

from imr_ml.letters import read_letter
from imr_ml.segment import SPANS_KEY, make_nlp
from imr_ml.segment.facts import FactReader
from imr_ml.segment.roles import RoleLabeller

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
HEADER = re.compile(r":[^\S\n]*\n?[^\S\n]*(?i:upheld|overturned)\b")


def corpus(n: int) -> list[str]:
    paths = sorted((ROOT / "tests" / "letters").glob("*.txt"))
    paths += sorted((SHARED / "seed").glob("*.txt")) + sorted((SHARED / "real" / "letters").glob("*.pdf"))
    bases = [read_letter(p).text for p in paths]
    return [f"{bases[i % len(bases)]}\nReference {i:07d}.\n" for i in range(n)]


def rate(label: str, texts: list[str], run: Callable[[list[str]], int],
         repeats: int = 3, unit: str = "letters") -> float:
    """The median rate of `repeats` runs (a single run of half a second swings by a third on
    a shared machine, the first most)."""
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        count = run(texts)
        rates.append(len(texts) / (time.perf_counter() - start))
    per_s = statistics.median(rates)
    runs = f"; median of {repeats} runs" if repeats > 1 else ""
    print(f"{label:<34} {per_s:>10,.0f} {unit}/s   ({count:,} items/tokens/sentences{runs})")
    return per_s


def run_segmenter(texts: list[str], sentence_roles: bool = False) -> int:
    nlp = make_nlp(sentence_roles=sentence_roles)
    with nlp.memory_zone():
        return sum(len(doc.spans[SPANS_KEY]) for doc in nlp.pipe(texts))


def rationales(texts: list[str]) -> list[str]:
    """Each letter's rationales, as the segment rows give them."""
    nlp = make_nlp(sentence_roles=False)
    with nlp.memory_zone():
        return [item._.rationale.text for doc in nlp.pipe(texts)
                for item in doc.spans[SPANS_KEY] if item._.rationale is not None]


def run_roles(texts: list[str]) -> int:
    labeller = RoleLabeller()
    return sum(len(labeller.label(text)) for text in texts)


def contrived(n: int, chars: int = 200_000) -> list[str]:
    """`n` texts of `chars` characters without a full stop: a reviewer block's heading and
    its credential words over and over."""
    words = "is licensed in California and Board Certified in Family Medicine, "
    return [f"MEDICAL REVIEWER QUALIFICATIONS: {i} " + words * (chars // len(words))
            for i in range(n)]


def run_facts(texts: list[str]) -> int:
    reader = FactReader()
    return sum(len(reader.read(text, layout)["reviewer_specialty"])
               for text in texts for layout in ("issue_at_dispute", "numbered_2013"))


def run_blank(texts: list[str]) -> int:
    nlp = spacy.blank("en")
    with nlp.memory_zone():
        return sum(len(doc) for doc in nlp.pipe(texts))


def run_regex(texts: list[str]) -> int:
    return sum(len(HEADER.findall(t)) for t in texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="letters (default 2000)")
    args = parser.parse_args()
    texts = corpus(args.n)
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(f"{len(texts):,} letters, {words:,.0f} words each on average, one core")
    seg = rate("segmenter (imr_ml.segment)", texts, run_segmenter)
    rate("segmenter + sentences (make_nlp())", texts,
         lambda batch: run_segmenter(batch, sentence_roles=True))
    blank = rate('spacy.blank("en").pipe', texts, run_blank, repeats=1)  # 10 s or more
    rate("plain re scan for item headers", texts, run_regex)
    print(f"segmenter / blank pipeline: {seg / blank:,.1f}x  (targets: >= 2,000 letters/s, >= 10x)")
    pieces = rationales(texts)
    chars = sum(map(len, pieces)) / max(len(pieces), 1)
    rate(f"sentence roles ({chars:,.0f} chars each)", pieces, run_roles, unit="rationales")
    hostile = contrived(20)
    per_s = rate("letter facts, 200,000-char contrived", hostile, run_facts, unit="texts")
    print(f"letter facts of contrived texts: {per_s * len(hostile[0]):,.0f} characters/s "
          "(target: >= 1,000,000)")


if __name__ == "__main__":
    main()
