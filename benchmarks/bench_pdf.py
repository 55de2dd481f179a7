"""Compare pypdfium2 and pypdf for letter text extraction: speed and text quality.

Renders --n text letters (the seed letter's paragraphs shuffled and partly repeated, plus a
made-up sentence with curly quotes and dashes) to PDFs in a temporary folder, extracts them
back with each library on one core, and scores quality as the mean word-level similarity
(difflib ratio) between the extracted, normalised text and the normalised source, and the
share of letters whose text comes back identical (also ignoring paragraph blank lines).
Also times extraction on the real PDFs of ../shared/real when present (and how far the two
libraries agree on them), and `normalise` alone.
Prints numbers only, never letter text. Needs the dev extra (reportlab, pypdf).

    .venv/bin/python benchmarks/bench_pdf.py [--n 200] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import difflib
import io
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pypdf
import pypdfium2 as pdfium

from imr_ml.letters import normalise

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from pdfs import text_to_pdf  # a test helper (tests/pdfs.py): needs the dev extra

T = TypeVar("T")
R = TypeVar("R")
REPO = Path(__file__).resolve().parents[1]
SEED = Path("seed/000_435950e687b08266.txt")
REAL = Path("real/letters")


def extract_pypdfium2(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def extract_pypdf(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


EXTRACTORS: dict[str, Callable[[bytes], str]] = {
    "pypdfium2": extract_pypdfium2,
    "pypdf": extract_pypdf,
}


TYPOGRAPHY = (
    "The note reads \u201cflexion to 90\u00b0 \u2013 limited\u201d; "
    "the patient\u2019s gait is normal."
)


def variants(seed_text: str, n: int) -> list[str]:
    """`n` letters from the seed: shuffled paragraphs, some repeated, a case-number header
    and a made-up sentence with curly quotes, a degree sign and an en dash."""
    paragraphs = normalise(seed_text).split("\n\n") + [TYPOGRAPHY]
    rng = random.Random(0)
    letters = []
    for i in range(n):
        body = paragraphs + rng.sample(paragraphs, k=rng.randint(0, len(paragraphs)))
        rng.shuffle(body)
        letters.append(f"Case Number: CM16-{i:07d}\n" + "\n\n".join(body))
    return letters


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


def agreement(texts: list[str], references: list[str]) -> tuple[float, float, float]:
    """Mean word similarity, share identical, share identical ignoring blank lines."""
    pairs = [(normalise(t), normalise(r)) for t, r in zip(texts, references)]
    return (
        statistics.mean(similarity(t, r) for t, r in pairs),
        statistics.mean(t == r for t, r in pairs),
        statistics.mean(t.replace("\n\n", "\n") == r.replace("\n\n", "\n") for t, r in pairs),
    )


def rate(func: Callable[[T], R], items: list[T]) -> tuple[float, list[R]]:
    """Items per second of `func` over `items`, and its outputs."""
    start = time.perf_counter()
    outputs = [func(item) for item in items]
    return len(items) / (time.perf_counter() - start), outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="synthetic letters to render")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    args = parser.parse_args()
    if not (args.shared / SEED).is_file():
        raise SystemExit(f"seed letter not found under {args.shared}; pass --shared")

    sources = variants((args.shared / SEED).read_text(encoding="utf-8"), args.n)
    with tempfile.TemporaryDirectory() as tmp:
        pdfs = [
            text_to_pdf(text, Path(tmp) / f"{i}.pdf").read_bytes() for i, text in enumerate(sources)
        ]
    real_pdfs = [p.read_bytes() for p in sorted((args.shared / REAL).glob("*.pdf"))]

    print(
        f"{len(pdfs)} synthetic PDFs ({sum(map(len, pdfs)) / len(pdfs) / 1000:.0f} KB avg), "
        f"{len(real_pdfs)} real PDFs; one core\n"
    )
    print(
        f"{'library':<10} {'synthetic/s':>12} {'word sim.':>10} {'identical':>10} "
        f"{'same lines':>11} {'real/s':>8}"
    )
    real_texts: dict[str, list[str]] = {}
    for name, extract in EXTRACTORS.items():
        speed, texts = rate(extract, pdfs)
        quality, identical, same_lines = agreement(texts, sources)
        real_speed, real_texts[name] = rate(extract, real_pdfs) if real_pdfs else (float("nan"), [])
        print(
            f"{name:<10} {speed:>12.1f} {quality:>10.4f} {identical:>10.1%} {same_lines:>11.1%} "
            f"{real_speed:>8.1f}"
        )
    print("(synthetic: extracted vs source; 'same lines' ignores blank lines between paragraphs)")

    if real_pdfs:
        quality, identical, same_lines = agreement(*real_texts.values())
        print(
            f"\nreal PDFs, pypdfium2 vs pypdf after normalise: word sim. {quality:.4f}, "
            f"identical {identical:.1%}, same lines {same_lines:.1%}"
        )

    raw = real_texts.get("pypdfium2", []) + [(args.shared / SEED).read_text(encoding="utf-8")]
    raw += [extract_pypdfium2(data) for data in pdfs]
    speed, _ = rate(normalise, raw * 5)
    mb_per_s = speed * sum(map(len, raw)) / len(raw) / 1e6
    print(f"normalise: {speed:,.0f} letters/s ({mb_per_s:.1f} MB/s) on {len(raw)} raw texts x5")


if __name__ == "__main__":
    main()
