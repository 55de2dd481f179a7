"""Letters/s of `imr-ml score --engine spark` on local[2] against the local engine with 2
workers, on the same --n synthetic text letters, one run each.

Each run is a fresh process timed from after its imports (`bench_score.score`): model
loading, worker start-up, Spark's start-up (the JVM, the session, the Python workers) and
writing the output (.jsonl: collected on the driver) are included. Spark's start-up alone (a
session started and stopped in a fresh process) is timed too, to tell the rate past it.
Uses the model --model names, else that of models/LATEST when present, else fits one
on the letters (the default config). Prints numbers only, never letter text.

    .venv/bin/python benchmarks/bench_spark.py [--n 5000] [--model models/imr-classifier]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_score import REPO, corpus, line, score

TARGET = "target: spark on local[2] >= 0.5 x the local engine with 2 workers"
START = ("from imr_ml.scoring.spark_engine import spark_session\n"
         "spark_session('local[2]', quiet=True)[0].stop()")


def start_up() -> float:
    """Seconds to start (and stop) a local[2] Spark session in a fresh interpreter."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", START], capture_output=True, cwd=REPO, check=True)
    return time.perf_counter() - started


def compare(n: int, tmp: Path, model: str | None) -> None:
    """Score `n` letters generated under `tmp` with each engine; print the figures."""
    letters, model = corpus(n, tmp, model)
    print(f"model {model}; {os.cpu_count()} CPUs\n{TARGET}\n")
    out = tmp / "out.jsonl"
    local = score(letters, out, model, "--workers", "2")
    print(line("local engine, 2 workers", local), flush=True)
    spark = score(letters, out, model, "--engine", "spark", "--spark-master", "local[2]")
    # no RSS: Spark's JVM and Python workers are no children the run's figures count
    print(line("spark, local[2]", spark, rss=False), flush=True)
    startup = start_up()
    ratio = local["seconds"] / spark["seconds"]
    past = n / (spark["seconds"] - startup)
    print(f"\nspark / local letters/s: {ratio:.2f} ({'meets' if ratio >= 0.5 else 'misses'} "
          f"0.5)\nSpark start-up alone {startup:.1f} s; spark past it {past:,.0f} letters/s "
          f"({past / 2:,.0f} per core)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="letters generated")
    parser.add_argument("--model", help="model folder or URI (default: models/LATEST's)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        compare(args.n, Path(name), args.model)


if __name__ == "__main__":
    main()
