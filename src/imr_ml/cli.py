"""The `imr-ml` command line: a thin layer over the package's Python API."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

from tqdm import tqdm

from imr_ml.items import Row, segment_letters
from imr_ml.letters import DEFAULT_MAX_BYTES
from imr_ml.output import write_jsonl


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
    from imr_ml.config import load_config
    from imr_ml.train import train

    cfg = load_config(args.config, args.set)
    train(cfg, Path(args.config))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from imr_ml.config import load_config
    from imr_ml.evaluate import evaluate_corpus

    evaluate_corpus([Path(d) for d in args.data], load_config(args.config),
                    model_ref=args.model, baseline=args.baseline, split=args.split,
                    out=Path(args.out) if args.out else None)
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    from imr_ml.synth import generate

    summary = generate(args.letters, args.seed, Path(args.out), progress=not args.quiet)
    print(f"wrote {summary['letters']} letters, {summary['items']} items to {args.out}",
          file=sys.stderr)
    return 0


def cmd_label(args: argparse.Namespace) -> int:
    from imr_ml.weak_labels import weak_label_rows

    counts: Counter[str] = Counter()
    write_jsonl(weak_label_rows(_progress_rows(args, counts)), args.out)
    print(f"labelled {counts['items']} items of {counts['ok']} letters "
          f"({counts['no_items'] + counts['error']} letters without items); wrote {args.out}",
          file=sys.stderr)
    return 0 if counts["ok"] else 1


def _add_inputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="letter files (.txt, .pdf), folders (searched recursively) or globs")
    parser.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES,
                        help=f"skip larger files with an error row (default {DEFAULT_MAX_BYTES:,})")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imr-ml",
        description="Segment and classify California DWC Independent Medical Review letters.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    seg = sub.add_parser("segment", help="split letters into disputed items (JSON lines)")
    _add_inputs(seg)
    seg.add_argument("--out", help="output .jsonl file (default: standard output)")
    seg.set_defaults(func=cmd_segment)

    lab = sub.add_parser("label", help="weak labels for unlabelled letters, for people to correct")
    _add_inputs(lab)
    lab.add_argument("--out", required=True, help="output labels.jsonl")
    lab.set_defaults(func=cmd_label)

    syn = sub.add_parser("synth", help="generate a labelled synthetic corpus")
    syn.add_argument("--letters", type=int, default=3000, help="number of letters (default 3000)")
    syn.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    syn.add_argument("--out", required=True, help="output folder")
    syn.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    syn.set_defaults(func=cmd_synth)

    tra = sub.add_parser("train", help="train, evaluate and log one MLflow run")
    tra.add_argument("--config", default="configs/default.yaml", help="config file")
    tra.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override one config key, e.g. --set models.decision.C=2")
    tra.set_defaults(func=cmd_train)

    eva = sub.add_parser("evaluate", help="metrics of a model or baseline on a labelled corpus")
    who = eva.add_mutually_exclusive_group()
    who.add_argument("--model", help="model folder or MLflow URI (default: the last trained)")
    who.add_argument("--baseline", choices=["rules", "majority"], help="score a baseline instead")
    eva.add_argument("--data", required=True, action="append",
                     help="labelled corpus folder (letters + labels.jsonl); repeatable")
    eva.add_argument("--split", choices=["all", "style-holdout"], default="all",
                     help="score every letter, or the style-holdout test letters")
    eva.add_argument("--config", default="configs/default.yaml",
                     help="config giving the label set and split settings")
    eva.add_argument("--out", help="write the metrics as JSON here")
    eva.set_defaults(func=cmd_evaluate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
