"""The `imr-ml` command line: a thin layer over the package's Python API."""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import select
import signal
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from imr_ml.errors import ImrMlError, TableError
from imr_ml.letters import DEFAULT_MAX_BYTES
from imr_ml.paths import DEFAULT_CONFIG
from imr_ml.scoring.output import write_jsonl
from imr_ml.segment.rows import Row, segment_letters
from imr_ml.version import __version__

if TYPE_CHECKING:
    import pandas as pd

    from imr_ml.scoring.output import TableWriter
    from imr_ml.scoring.scorer import Scorer, Summary


def _progress_rows(args: argparse.Namespace, counts: Counter[str]) -> Iterator[Row]:
    """Segment the inputs, counting letters by status, with a progress bar on stderr."""
    bar = tqdm(unit=" letters", disable=args.quiet, file=sys.stderr)
    for _, rows in segment_letters(args.paths, max_bytes=args.max_bytes):
        counts[rows[0]["status"]] += 1
        counts["items"] += sum(r["status"] == "ok" for r in rows)
        bar.update()
        bar.set_postfix(ok=counts["ok"], no_items=counts["no_items"], error=counts["error"])
        yield from rows
    bar.close()


def cmd_segment(args: argparse.Namespace) -> int:
    counts: Counter[str] = Counter()
    write_jsonl(_progress_rows(args, counts), args.out)
    letters = counts["ok"] + counts["no_items"] + counts["error"]
    print(
        f"segmented {letters} letters: {counts['items']} items; "
        f"{counts['no_items']} without items, {counts['error']} unreadable"
        + (f"; wrote {args.out}" if args.out else ""),
        file=sys.stderr,
    )
    return 0 if counts["ok"] or not letters else 1


def cmd_train(args: argparse.Namespace) -> int:
    from imr_ml.training.config import load_config
    from imr_ml.training.train import train

    cfg = load_config(args.config, args.set)
    train(cfg)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from imr_ml.scoring.output import atomic_text
    from imr_ml.training.config import load_config
    from imr_ml.training.evaluate import evaluate_corpus

    out = _metrics_file(args.out) if args.out else None
    data, split = [Path(d) for d in args.data], args.split.replace("held-back", "held_back")
    results = evaluate_corpus(data, load_config(args.config), model_ref=args.model,
                              baseline=args.baseline, split=split)
    if out is not None:
        with atomic_text(out) as handle:
            json.dump({"data": [str(p) for p in data], "split": split, "results": results},
                      handle, indent=2)
            handle.write("\n")
    return 0


def _metrics_file(path: str) -> Path:
    """`evaluate --out`, checked before the work: a .json file whose folder can take it."""
    from imr_ml.scoring.output import writable

    if Path(path).suffix.lower() != ".json":
        raise TableError(f"{path}: evaluate writes its metrics as JSON; name the file .json")
    return writable(path)


def cmd_synth(args: argparse.Namespace) -> int:
    from imr_ml.corpus.synth import generate

    summary = generate(args.letters, args.seed, Path(args.out), progress=not args.quiet)
    print(f"wrote {summary['letters']} letters, {summary['items']} items to {args.out}",
          file=sys.stderr)
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    import pandas as pd

    from imr_ml.model.explain import describe, explained_items
    from imr_ml.store import load_classifier

    if bool(args.paths) == (args.text is not None):
        return _usage_error(args, "give letter PATHs or --text, not both or neither")
    if args.text is not None and not args.text.strip():
        return _usage_error(args, "--text is empty")
    model = load_classifier(args.model)
    if args.text is not None:
        items = pd.DataFrame({"rationale": [args.text], "item_text": [args.item_text or ""]})
    else:
        rows = [r for _, rs in segment_letters(args.paths) for r in rs]
        for row in rows:
            if row["status"] != "ok":  # says which inputs gave nothing, and why
                print(f"imr-ml explain: {row['error'] or row['status']}", file=sys.stderr)
        items = pd.DataFrame([r for r in rows if r["status"] == "ok"])
    if items.empty:
        print("imr-ml explain: no items found in the given letters", file=sys.stderr)
        return 1
    records = explained_items(model, items, top_k=args.top_k)
    if args.out:
        write_jsonl(records, args.out)
    else:
        print("\n\n".join(describe(r, show_text=args.show_text) for r in records))
    return 0


def cmd_label(args: argparse.Namespace) -> int:
    from imr_ml.corpus.weak_labels import weak_label_rows

    counts: Counter[str] = Counter()
    write_jsonl(weak_label_rows(_progress_rows(args, counts)), args.out)
    print(f"labelled {counts['items']} items of {counts['ok']} letters "
          f"({counts['no_items'] + counts['error']} letters without items); wrote {args.out}",
          file=sys.stderr)
    return 0 if counts["ok"] else 1


def _run_scoring(
    command: Callable[[argparse.Namespace, Scorer], int],
) -> Callable[[argparse.Namespace], int]:
    """A scoring command, its output file checked before the model is loaded; SIGTERM (e.g.
    `kill`) stops it as Ctrl-C does, from the start."""
    def run(args: argparse.Namespace) -> int:
        import signal

        from imr_ml.scoring.output import table_format, writable
        from imr_ml.scoring.scorer import load_model

        if getattr(args, "engine", "local") == "spark":
            from imr_ml.scoring.spark_engine import check_output

            check_output(args.out)
        else:
            table_format(writable(args.out))
        stop = signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            try:
                scorer = load_model(args.model, explain_top_k=args.explain)
            except KeyboardInterrupt:
                print(f"imr-ml {args.command}: stopped while loading the model; nothing was "
                      "written", file=sys.stderr)
                raise
            return command(args, scorer)
        finally:
            signal.signal(signal.SIGTERM, stop)
    return run


def _journal_header(scorer: Scorer, *inputs: object) -> dict[str, str]:
    """What a run's rows depend on, for its journal: the model's sha256 and a fingerprint of
    the inputs and settings."""
    fingerprint = hashlib.sha256(json.dumps(inputs, default=str).encode()).hexdigest()
    return {"model": scorer.model.metadata_["sha256"], "inputs": fingerprint}


def _usage_error(args: argparse.Namespace, err: Exception | str) -> int:
    print(f"imr-ml {args.command}: error: {err}", file=sys.stderr)
    return 2


def _write_scored(args: argparse.Namespace, rows: Iterator[Row], writer: TableWriter,
                  first_of_input: Callable[[Row], bool], summary: Summary,
                  flush_every: int = 512) -> int:
    """Write rows with a progress bar; keep the journal if interrupted; print the summary
    (of `summary`'s rows, e.g. a resumed journal's, and these)."""
    what = "letters" if args.command == "score" else "rows"
    buffer: list[Row] = []
    bar = tqdm(unit=f" {what}", disable=args.quiet, file=sys.stderr)
    try:
        for row in rows:
            first = first_of_input(row)
            summary.add(row, first)
            buffer.append(row)
            if first:
                bar.update()
                bar.set_postfix(summary.postfix(), refresh=False)
            if len(buffer) >= flush_every:
                writer.write(buffer)
                buffer = []
        writer.write(buffer)
        writer.close()
    except BaseException as err:
        if not isinstance(err, TableError):  # keep the rows scored so far, complete as they are
            writer.write(buffer)
        writer.abandon()
        bar.close()
        resumable = args.command == "score" and args.engine == "local"
        kept = (f"rows so far are in {writer.journal}"
                + ("; rerun with --resume to go on" if resumable else ""))
        if isinstance(err, TableError):  # e.g. the disk is full: one line, exit 2
            raise TableError(f"{err}; {kept}") from None
        print(f"imr-ml {args.command}: stopped; {kept}", file=sys.stderr)
        raise
    bar.close()
    return _finished(args, summary, what)


def _finished(args: argparse.Namespace, summary: Summary, what: str) -> int:
    """Print the summary; the exit status: 1 where nothing could be scored or (--strict)
    any input failed, else 0."""
    print(summary.report(what) + f"; wrote {args.out}", file=sys.stderr)
    failed = summary.inputs["error"] + summary.inputs["no_items"]
    nothing = sum(summary.inputs.values()) and not summary.inputs["ok"]
    return 1 if (args.strict and failed) or nothing else 0


# Options of the local engine that --engine spark refuses: why each does not apply
LOCAL_ONLY = {
    "workers": "Spark's executors set the parallelism (e.g. --spark-master local[4], or "
               "spark-submit's settings)",
    "resume": "Spark keeps no journal: a run that stops leaves no output and is run again "
              "whole (the local engine resumes)",
}


def cmd_score(args: argparse.Namespace) -> int:
    """`score` on the engine asked for; options that engine cannot honour are refused."""
    if args.engine == "spark":
        for name, why in LOCAL_ONLY.items():
            if getattr(args, name) not in (None, False):
                return _usage_error(args, f"--{name} does not apply to --engine spark: {why}")
        return _score_spark(args)
    if args.spark_master is not None:
        return _usage_error(args, "--spark-master applies to --engine spark only")
    return _score_local(args)


def _timeout(args: argparse.Namespace) -> float | None:
    from imr_ml.scoring.scorer import DEFAULT_TIMEOUT

    return DEFAULT_TIMEOUT if args.timeout is None else args.timeout or None


@_run_scoring
def _score_spark(args: argparse.Namespace, scorer: Scorer) -> int:
    from imr_ml.letters import input_key
    from imr_ml.scoring import spark_engine
    from imr_ml.scoring.output import TableWriter, table_format
    from imr_ml.scoring.scorer import Summary, is_letter_start

    spark, own = spark_engine.spark_session(args.spark_master, quiet=args.quiet)
    settings = {"timeout": _timeout(args), "max_bytes": args.max_bytes}
    try:
        if table_format(args.out) == ".parquet":
            summary = spark_engine.write_parquet(spark, scorer, args.paths, args.out, **settings)
            return _finished(args, summary, "letters")
        rows = spark_engine.score_rows(spark, scorer, args.paths, **settings)
        header = _journal_header(scorer, [input_key(p) for p in args.paths], args.max_bytes,
                                 settings["timeout"], args.explain)
        writer = TableWriter(args.out, scorer.schema(), header)
        writer.start()
        return _write_scored(args, iter(rows), writer, is_letter_start, Summary())
    finally:
        if own:
            spark.stop()


@_run_scoring
def _score_local(args: argparse.Namespace, scorer: Scorer) -> int:
    from contextlib import closing

    from imr_ml.letters import input_key
    from imr_ml.scoring.output import TableWriter
    from imr_ml.scoring.scorer import Summary, is_letter_start

    summary = Summary()
    timeout = _timeout(args)
    header = _journal_header(scorer, [input_key(p) for p in args.paths], args.max_bytes,
                             timeout, args.explain)
    writer = TableWriter(args.out, scorer.schema(), header)
    done = set()
    if args.resume:
        done = {input_key(source) for source in
                writer.resume("source", lambda row: summary.add(row, is_letter_start(row)))}
        if done:
            print(f"resuming: {len(done)} letters already scored in {writer.journal}",
                  file=sys.stderr)
    else:
        writer.start()
    rows = scorer.score_letters(args.paths, workers=args.workers or os.cpu_count() or 1,
                                timeout=timeout, max_bytes=args.max_bytes, skip=done)
    with closing(rows):  # closed when stopped: the workers are killed at once
        return _write_scored(args, rows, writer, is_letter_start, summary)


@_run_scoring
def cmd_score_table(args: argparse.Namespace, scorer: Scorer) -> int:
    from imr_ml.letters import input_key
    from imr_ml.scoring.output import TableWriter, read_table
    from imr_ml.scoring.scorer import Summary

    table = read_table(args.file)
    for column in filter(None, (args.text_column, args.item_column)):
        if column not in table:
            return _usage_error(args, f"{args.file}: no column {column!r} "
                                      f"(has {', '.join(map(str, table))})")
    items = table[args.item_column].tolist() if args.item_column else None
    texts = table[args.text_column].reset_index(drop=True)
    writer = TableWriter(args.out, scorer.schema(table=True),
                         _journal_header(scorer, input_key(args.file)))
    writer.start()
    return _write_scored(args, _table_rows(scorer, texts, items), writer, lambda _row: True,
                         Summary())


def _table_rows(scorer: Scorer, texts: pd.Series, items: list[object] | None,
                chunk: int = 256) -> Iterator[Row]:
    """Prediction rows of a table's texts, a chunk at a time (the progress bar moves)."""
    for start in range(0, len(texts), chunk):
        part = slice(start, start + chunk)
        scored = scorer.score_texts(texts.iloc[part], items[part] if items is not None else None)
        yield from scored.astype(object).where(scored.notna(), None).to_dict("records")


def cmd_report(args: argparse.Namespace) -> int:
    from imr_ml.report import build, concat, render
    from imr_ml.scoring.output import atomic_text, neutralised, read_table, writable
    from imr_ml.scoring.scorer import LIST_COLUMNS

    if Path(args.out).suffix.lower() not in (".html", ".htm"):
        raise TableError(f"{args.out}: report writes an HTML page; name the file .html")
    writable(args.out)
    frames = [_scores(read_table(path, LIST_COLUMNS), path) for path in args.scores]
    tables = build(concat(frames))
    if args.tables:
        for name, table in tables.items():
            with atomic_text(Path(args.tables) / f"{name}.csv") as handle:
                # item texts and evidence come from letters: no cell a spreadsheet would run
                table.apply(neutralised).to_csv(handle, index=False)
    with atomic_text(args.out) as handle:
        handle.write(render(tables, args.title))
    overall = tables["overall"]
    print(f"reported {int(overall['items'].sum())} items of {len(args.scores)} scores files; "
          f"wrote {args.out}" + (f" and tables to {args.tables}" if args.tables else ""),
          file=sys.stderr)
    return 0


def _scores(frame: pd.DataFrame, path: str) -> pd.DataFrame:
    """A scores table, checked: it must have the `status` and `decision_pred` of score's."""
    missing = [c for c in ("status", "decision_pred") if c not in frame]
    if missing:
        raise TableError(f"{path}: not an output of imr-ml score or score-table (no "
                         f"{', '.join(missing)} column)")
    return frame


def _at_least(low: float, kind: type = int) -> Callable[[str], float]:
    """An argparse type: a finite number of `kind` no smaller than `low`."""
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {kind.__name__}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if value < low:
            raise argparse.ArgumentTypeError(f"{text} is below {low}")
        return value
    return parse


def _add_inputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="letter files (.txt, .pdf), folders (searched recursively) or globs")
    parser.add_argument("--max-bytes", type=_at_least(1), default=DEFAULT_MAX_BYTES,
                        help=f"skip larger files with an error row (default {DEFAULT_MAX_BYTES:,})")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def _add_scoring(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="model folder or MLflow URI (default: models/LATEST)")
    parser.add_argument("--out", required=True, help="output .csv, .jsonl or .parquet")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 if any input has no items or cannot be read")
    parser.add_argument("--explain", type=_at_least(0), default=0, metavar="K",
                        help="add an `explanation` column: the top K features behind each "
                             "predicted label, as JSON (default 0: no column)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imr-ml",
        description="Segment and classify California DWC Independent Medical Review letters.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    seg = sub.add_parser("segment", help="split letters into disputed items (JSON lines)")
    _add_inputs(seg)
    seg.add_argument("--out", help="output .jsonl file (default: standard output)")
    seg.set_defaults(func=cmd_segment)

    lab = sub.add_parser("label", help="weak labels for unlabelled letters, for people to correct")
    _add_inputs(lab)
    lab.add_argument("--out", required=True, help="output labels.jsonl")
    lab.set_defaults(func=cmd_label)

    exp = sub.add_parser("explain", help="the features behind each item's predictions")
    exp.add_argument("paths", nargs="*", metavar="PATH", help="letters, folders or globs")
    exp.add_argument("--text", help="explain one rationale text instead of letters")
    exp.add_argument("--item-text", help="with --text: the item the rationale is about")
    exp.add_argument("--model", help="model folder or MLflow URI (default: the last trained)")
    exp.add_argument("--top-k", type=_at_least(1), default=8, help="features per direction (default 8)")
    exp.add_argument("--out", help="write JSON lines here instead of text on stdout")
    exp.add_argument("--show-text", action="store_true",
                     help="print each item's text and evidence sentences (letter text); "
                          "without it, items are named by letter and position, sentences by "
                          "their offsets")
    exp.set_defaults(func=cmd_explain)

    syn = sub.add_parser("synth", help="generate a labelled synthetic corpus")
    syn.add_argument("--letters", type=_at_least(1), default=3000, help="number of letters (default 3000)")
    syn.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    syn.add_argument("--out", required=True, help="output folder")
    syn.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    syn.set_defaults(func=cmd_synth)

    tra = sub.add_parser("train", help="train, evaluate and log one MLflow run")
    tra.add_argument("--config", default=str(DEFAULT_CONFIG),
                     help="config file (default: configs/default.yaml)")
    tra.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override one config key, e.g. --set models.decision.C=2")
    tra.set_defaults(func=cmd_train)

    eva = sub.add_parser("evaluate", help="metrics of a model or baseline on a labelled corpus")
    who = eva.add_mutually_exclusive_group()
    who.add_argument("--model", help="model folder or MLflow URI (default: the last trained)")
    who.add_argument("--baseline", choices=["rules", "majority"], help="score a baseline instead")
    eva.add_argument("--data", required=True, action="append",
                     help="labelled corpus folder (letters + labels.jsonl); repeatable")
    eva.add_argument("--split", choices=["all", "style-holdout", "working", "held-back"],
                     default="all", help="score every letter, the style-holdout test letters, "
                     "or a half of real letters (experiments/PROTOCOL.md)")
    eva.add_argument("--config", default=str(DEFAULT_CONFIG),
                     help="config giving the label set and split settings "
                          "(default: configs/default.yaml)")
    eva.add_argument("--out", help="write the metrics here (a .json file)")
    eva.set_defaults(func=cmd_evaluate)
    sco = sub.add_parser("score", help="predict decisions and reasons for letters")
    _add_inputs(sco)
    _add_scoring(sco)
    sco.add_argument("--workers", type=_at_least(1),
                     help="worker processes (default: the number of CPUs; local engine only)")
    sco.add_argument("--timeout", type=_at_least(0, float),
                     help="seconds allowed to read one file (default 30; 0: no limit)")
    sco.add_argument("--resume", action="store_true",
                     help="go on from OUT.partial, left by an interrupted run (local engine "
                          "only)")
    sco.add_argument("--engine", choices=["local", "spark"], default="local",
                     help="local: worker processes on this machine (default); spark: Spark "
                          "reads, segments and scores the files (pip install 'imr-ml[spark]', "
                          "Java 17+), the same rows; .parquet OUT is then a folder written by "
                          "the executors, .jsonl and .csv are collected on this machine. "
                          "--workers and --resume do not apply to spark and are refused")
    sco.add_argument("--spark-master", metavar="URL",
                     help="with --engine spark: the Spark master (default: spark-submit's, "
                          "else local[*])")
    sco.set_defaults(func=cmd_score)

    tab = sub.add_parser("score-table", help="predict for rationale texts in a table")
    tab.add_argument("file", help="input .csv, .jsonl or .parquet table")
    tab.add_argument("--text-column", required=True, help="column of rationale texts")
    tab.add_argument("--item-column", help="column of item texts (optional)")
    tab.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    _add_scoring(tab)
    tab.set_defaults(func=cmd_score_table)

    rep = sub.add_parser("report", help="what a batch of scored letters says, as an HTML page")
    rep.add_argument("scores", nargs="+", metavar="SCORES",
                     help="outputs of score or score-table (.csv, .jsonl or .parquet)")
    rep.add_argument("--out", required=True, help="output .html page")
    rep.add_argument("--tables", metavar="DIR", help="also write every aggregate as a CSV here")
    rep.add_argument("--title", default="IMR letters: what the batch says",
                     help="the page's title")
    rep.set_defaults(func=cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; a problem with the user's files or settings prints one line, exit 2;
    a reader that closes standard output early (`| head`) ends it quietly, exit 141."""
    args = build_parser().parse_args(argv)
    try:
        status = args.func(args)
        sys.stdout.flush()  # a reader gone early shows here, not as a warning at exit
        return status
    except ImrMlError as err:
        return _usage_error(args, err)
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM while scoring: no traceback
        return 130
    except BrokenPipeError:
        if not _stdout_closed():
            raise
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush
        return 128 + signal.SIGPIPE  # the status of a Unix tool that SIGPIPE ended


def _stdout_closed() -> bool:
    """Whether standard output is a pipe that its reader has closed."""
    try:
        poll = select.poll()
        poll.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poll.poll(0))
    except (OSError, ValueError):  # no file descriptor (captured, closed)
        return False


if __name__ == "__main__":
    raise SystemExit(main())
