"""The `imr-ml` command line: a thin layer over the package's Python API."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterator, Sequence

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imr-ml",
        description="Segment and classify California DWC Independent Medical Review letters.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    seg = sub.add_parser("segment", help="split letters into disputed items (JSON lines)")
    seg.add_argument("paths", nargs="+", metavar="PATH",
                     help="letter files (.txt, .pdf), folders (searched recursively) or globs")
    seg.add_argument("--out", help="output .jsonl file (default: standard output)")
    seg.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES,
                     help=f"skip larger files with an error row (default {DEFAULT_MAX_BYTES:,})")
    seg.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    seg.set_defaults(func=cmd_segment)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
