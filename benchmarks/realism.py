"""How far synthetic rationales are from real ones: can a plain model tell them apart?

    python benchmarks/realism.py [--synth data/raw/synth] [--halves working,held_back]
                                 [--top 15] [--repeats 5]

For each half of the real development letters (`imr_ml.corpus.splits.real_halves`;
`experiments/PROTOCOL.md`), prints:
(a) the ROC-AUC of a plain TF-IDF (word 1-2-grams) + logistic regression telling synthetic
    rationales from real ones: letter-grouped 5-fold CV, out-of-fold scores pooled, with as
    many synthetic rationales as real ones (whole synthetic letters drawn at random;
    `--repeats` draws, mean and range);
(b) words per rationale (mean, quartiles) of both;
(c) the number of distinct lower-cased word 12-grams that synthetic rationales share with the
    real letters of the half (a check that no real sentence was copied: boilerplate only);
and, for the working half only, the `--top` most discriminative n-grams each way.

Real rationales come from segmenting ../shared/real/letters with the package; synthetic ones
from `--synth` (a generated corpus; made in a temporary folder with
`imr_ml.corpus.synth.generate` where absent). No letter text is printed: figures and, for the
working half, single n-grams (never the held-back half's). Skips (exit 0) where ../shared is
absent. Tune against the working half only; the held-back half is a candidate's final report.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold

from imr_ml.corpus.splits import HELD_BACK, WORKING, real_halves
from imr_ml.segment.rows import segment_letters

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
RUN = 12  # words in a shared run
SYNTH_LETTERS = 3000  # letters generated where no corpus is given


Rationale = tuple[str, str]  # (letter id, text)


def rationales(paths: Iterable[Path]) -> list[Rationale]:
    """Non-empty rationales of the letters, in letter and item order."""
    out = []
    for _, rows in segment_letters(list(paths)):
        for row in rows:
            text = " ".join((row.get("rationale") or "").split())
            if text:
                out.append((row["letter_id"], text))
    return out


def draw(synth: dict[str, list[str]], n: int, rng: random.Random) -> list[Rationale]:
    """About n synthetic rationales from whole letters drawn at random (the last cut)."""
    ids = sorted(synth)
    rng.shuffle(ids)
    out: list[Rationale] = []
    for lid in ids:
        out.extend((lid, t) for t in synth[lid])
        if len(out) >= n:
            break
    return out[:n]


def model() -> tuple[TfidfVectorizer, LogisticRegression]:
    return TfidfVectorizer(ngram_range=(1, 2)), LogisticRegression(max_iter=2000)


def auc(real: list[Rationale], fake: list[Rationale], seed: int) -> float:
    """Out-of-fold ROC-AUC (synthetic = positive), letter-grouped 5-fold CV."""
    texts = [t for _, t in real] + [t for _, t in fake]
    y = np.array([0] * len(real) + [1] * len(fake))
    groups = [lid for lid, _ in real] + [lid for lid, _ in fake]
    scores = np.zeros(len(texts))
    folds = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=seed)
    for train, test in folds.split(texts, y, groups):
        vec, clf = model()
        x = vec.fit_transform([texts[i] for i in train])
        clf.fit(x, y[train])
        scores[test] = clf.predict_proba(vec.transform([texts[i] for i in test]))[:, 1]
    return float(roc_auc_score(y, scores))


def top_ngrams(real: list[Rationale], fake: list[Rationale], k: int) -> tuple[list[str],
                                                                                list[str]]:
    """The k n-grams with the largest weights towards real and towards synthetic."""
    vec, clf = model()
    x = vec.fit_transform([t for _, t in real] + [t for _, t in fake])
    clf.fit(x, [0] * len(real) + [1] * len(fake))
    names = vec.get_feature_names_out()
    order = np.argsort(clf.coef_[0])
    return [names[i] for i in order[:k]], [names[i] for i in order[::-1][:k]]


def lengths(texts: Iterable[str]) -> str:
    n = [len(t.split()) for t in texts]
    q = statistics.quantiles(n, n=4)
    return (f"mean {statistics.fmean(n):6.1f}  quartiles {q[0]:.0f} / {q[1]:.0f} / {q[2]:.0f}"
            f"  (n={len(n)})")


def runs(texts: Iterable[str]) -> set[tuple[str, ...]]:
    out = set()
    for t in texts:
        w = WORD.findall(t.lower())
        out.update(tuple(w[i:i + RUN]) for i in range(len(w) - RUN + 1))
    return out


def synthetic(folder: Path | None) -> dict[str, list[str]]:
    """Rationales of a synthetic corpus by letter; generated in a temporary folder if needed."""
    if folder is not None and (folder / "letters").is_dir():
        by_letter: dict[str, list[str]] = {}
        for lid, text in rationales(sorted((folder / "letters").glob("*.txt"))):
            by_letter.setdefault(lid, []).append(text)
        return by_letter
    from imr_ml.corpus.synth import generate

    with tempfile.TemporaryDirectory() as tmp:
        print(f"generating {SYNTH_LETTERS} synthetic letters (seed 0) ...", file=sys.stderr)
        generate(SYNTH_LETTERS, 0, Path(tmp))
        return synthetic(Path(tmp))


def report(half: str, real: list[Rationale], synth: dict[str, list[str]], synth_runs: set,
           repeats: int, top: int) -> None:
    n_letters = len({lid for lid, _ in real})
    print(f"\n== {half} half: {n_letters} real letters, {len(real)} rationales")
    aucs = [auc(real, draw(synth, len(real), random.Random(r)), r) for r in range(repeats)]
    print(f"(a) real vs synthetic ROC-AUC  {statistics.fmean(aucs):.3f}  "
          f"[{min(aucs):.3f}-{max(aucs):.3f} over {repeats} draws]")
    print(f"(b) words per rationale  real       {lengths(t for _, t in real)}")
    print(f"                         synthetic  {lengths(t for ts in synth.values() for t in ts)}")
    shared = runs(t for _, t in real) & synth_runs
    print(f"(c) distinct {RUN}-word runs shared with the real letters: {len(shared)}")
    if top and half == WORKING:
        to_real, to_synth = top_ngrams(real, draw(synth, len(real), random.Random(0)), top)
        print(f"    most real-like n-grams:      {', '.join(to_real)}")
        print(f"    most synthetic-like n-grams: {', '.join(to_synth)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--synth", type=Path, default=ROOT / "data" / "raw" / "synth")
    ap.add_argument("--halves", default=f"{WORKING},{HELD_BACK}")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args(argv)
    letters = args.shared / "real" / "letters"
    if not letters.is_dir():
        print(f"realism: {letters} not found; skipped")
        return 0
    halves = [h.strip() for h in args.halves.split(",") if h.strip()]
    unknown = set(halves) - {WORKING, HELD_BACK}
    if unknown:
        ap.error(f"unknown half: {', '.join(sorted(unknown))}")
    start = time.perf_counter()
    files = {p.stem: p for p in letters.iterdir() if p.suffix.lower() in (".pdf", ".txt")}
    split = real_halves(files)
    synth = synthetic(args.synth)
    synth_runs = runs(t for ts in synth.values() for t in ts)
    print(f"synthetic: {len(synth)} letters, {sum(map(len, synth.values()))} rationales")
    for half in halves:
        real = rationales(files[i] for i in sorted(split[half]))
        report(half, real, synth, synth_runs, args.repeats, args.top)
    print(f"\n({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
