"""End-to-end speed and memory of `imr-ml score`.

Generates --n synthetic letters into a temporary folder and scores them with the CLI at 1
and 2 workers (letters/s, from text); renders --pdfs of them to PDF and scores those; then
measures peak RSS (main process, and the largest worker) scoring --n letters and --big
letters (the --n hard-linked, or copied, under new names). Each run is a fresh subprocess, timed from
after its imports (model loading, worker start-up and writing the output are included).
Uses the model --model names, else that of models/LATEST when present, else fits a small one
on the letters. `--letters DIR` scores DIR's .txt letters instead of generating them: the
generator changes with the code, so two versions compared on letters each generates are also
compared on different letters.
Prints numbers only, never letter text. Needs the dev extra (reportlab) for the PDFs.

    .venv/bin/python benchmarks/bench_score.py [--n 5000] [--pdfs 500] [--big 50000] \
        [--model models/imr-classifier] [--letters DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from imr_ml.corpus.synth import generate
from imr_ml.paths import LATEST

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from pdfs import text_to_pdf  # a test helper (tests/pdfs.py): needs the dev extra

REPO = Path(__file__).resolve().parents[1]
TARGETS = "targets: >= 1,000 letters/s at 2 workers from text; >= 50 from PDF; RSS at --big " \
          "within 10% of at --n"

# Run in a subprocess: score, then report seconds, CPU seconds (its own and its workers'),
# rows and peak RSS (KB) as JSON.
RUN = """
import json, resource, sys, time
from imr_ml.cli import main
import imr_ml.scoring.scorer
start = time.perf_counter()
code = main(sys.argv[1:])
seconds = time.perf_counter() - start
own, workers = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                    resource.RUSAGE_CHILDREN))
cpu = own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime
print(json.dumps({"code": code, "seconds": seconds, "cpu_seconds": cpu,
                  "rss_kb": own.ru_maxrss, "worker_rss_kb": workers.ru_maxrss}))
"""


def score(folder: Path, out: Path, model: str, *options: str) -> dict[str, float]:
    """Score `folder` in a fresh interpreter (with `options`, e.g. --workers 2); returns its
    timing and memory figures."""
    command = [sys.executable, "-c", RUN, "score", str(folder), "--out", str(out), "-q",
               "--model", model, *options]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=True)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["letters"] = sum(1 for p in folder.iterdir() if p.suffix in {".txt", ".pdf"})
    out.unlink()
    return figures


def model_ref(corpus: Path, tmp: Path) -> str:
    """models/LATEST's model, or a small one fitted on the generated corpus."""
    latest = LATEST
    if latest.is_file():
        return latest.read_text().strip()
    from imr_ml.model import persistence
    from imr_ml.training.config import classifier, load_config
    from imr_ml.training.data import load_items

    cfg = load_config(REPO / "configs" / "default.yaml", [
        f"data.corpora=[{{path: {corpus}, kind: synthetic}}]", "splits.cv_folds=0"])
    items, _ = load_items(cfg)
    return str(persistence.save(classifier(cfg).fit(items), tmp / "model"))


def corpus(n: int, tmp: Path, model: str | None) -> tuple[Path, str]:
    """`n` synthetic letters (seed 0) generated under `tmp`: their folder, and the model to
    score them with (`model`, else models/LATEST's, else one fitted on them)."""
    generate(n, 0, tmp / "synth")
    return tmp / "synth" / "letters", model or model_ref(tmp / "synth", tmp)


def line(label: str, figures: dict[str, float], rss: bool = True) -> str:
    """Letters, seconds, letters/s, CPU ms a letter (main process and workers: steadier than
    wall time on a shared machine) and (`rss`) the peak RSS of the run and its workers."""
    rate = figures["letters"] / figures["seconds"]
    cpu = 1000 * figures["cpu_seconds"] / figures["letters"]
    text = (f"{label:<28} {figures['letters']:>7,} letters {figures['seconds']:>7.1f} s "
            f"{rate:>8,.0f} letters/s {cpu:>6.2f} CPU ms/letter")
    if rss:
        text += (f"  peak RSS main {figures['rss_kb'] / 1024:>5.0f} MB, "
                 f"worker {figures['worker_rss_kb'] / 1024:>5.0f} MB")
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="letters generated (text runs)")
    parser.add_argument("--pdfs", type=int, default=500, help="letters rendered to PDF")
    parser.add_argument("--big", type=int, default=50000, help="letters for the RSS run")
    parser.add_argument("--model", help="model folder or URI (default: models/LATEST's)")
    parser.add_argument("--letters", type=Path,
                        help="score this folder's .txt letters instead of generating --n")
    args = parser.parse_args()
    if args.letters and not any(args.letters.glob("*.txt")):
        parser.error(f"--letters {args.letters}: no .txt letters in that folder")
    if args.letters and not (args.model or LATEST.is_file()):
        parser.error("--letters needs --model (or a trained models/LATEST)")

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if args.letters:
            letters, model = args.letters, args.model or LATEST.read_text().strip()
        else:
            letters, model = corpus(args.n, tmp, args.model)
        texts = sorted(letters.glob("*.txt"))
        pdfs = tmp / "pdfs"
        pdfs.mkdir()
        for path in texts[: args.pdfs]:
            text_to_pdf(path.read_text(encoding="utf-8"), pdfs / f"{path.stem}.pdf")
        big = tmp / "big"
        big.mkdir()
        for k in range(args.big):
            source, name = texts[k % len(texts)], big / f"{k:06d}.txt"
            try:
                os.link(source, name)
            except OSError:  # --letters on another file system: no hard link across
                shutil.copyfile(source, name)

        print(f"model {model}; {os.cpu_count()} CPUs\n{TARGETS}\n")
        out = tmp / "out.jsonl"
        runs = [("text", letters, 1), ("text", letters, 2), ("PDF", pdfs, 1), ("PDF", pdfs, 2),
                ("text (RSS run)", big, 2)]
        figures = []
        for kind, folder, workers in runs:
            figures.append(score(folder, out, model, "--workers", str(workers)))
            print(line(f"{kind}, {workers} worker(s)", figures[-1]), flush=True)
        small, large = figures[1], figures[-1]
        for key in ("rss_kb", "worker_rss_kb"):
            print(f"peak RSS {key.removesuffix('_kb')}: {large[key] / small[key] - 1:+.1%} "
                  f"at {large['letters']:,} vs {small['letters']:,} letters")


if __name__ == "__main__":
    main()
