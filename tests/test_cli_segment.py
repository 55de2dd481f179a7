"""`imr-ml segment`: one row per item, one row per bad input, and the batch goes on."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from badinputs import write_all
from imr_ml.cli import main
from imr_ml.segment.rows import SEGMENT_COLUMNS

HERE = Path(__file__).parent
SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_435950e687b08266.txt"

# problem each bad input must report, as words in its error message
EXPECTED_ERRORS = {
    "empty.txt": ("error", "empty"),
    "junk.txt": ("error", "binary"),
    "corrupt.pdf": ("error", "PDF"),
    "encrypted.pdf": ("error", "encrypted"),
    "scanned.pdf": ("error", "text layer"),
    "sourdough.txt": ("no_items", "no known letter layout"),
    "huge.txt": ("error", "limit"),
    "gone.txt": ("error", "gone.txt"),
}


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_batch_with_good_and_bad_letters_accounts_for_every_input(tmp_path, capsys):
    folder = tmp_path / "in"
    write_all(folder / "bad")
    shutil.copytree(HERE / "letters", folder / "good")
    out = tmp_path / "items.jsonl"

    assert main(["segment", str(folder), "--out", str(out), "--quiet"]) == 0

    rows = _rows(out)
    assert all(list(r) == list(SEGMENT_COLUMNS) for r in rows)
    by_file: dict[str, list[dict]] = {}
    for r in rows:
        by_file.setdefault(Path(r["source"]).name, []).append(r)
    assert set(by_file) == set(EXPECTED_ERRORS) | {p.name for p in (HERE / "letters").glob("*.txt")}
    for name, (status, words) in EXPECTED_ERRORS.items():
        (row,) = by_file[name]
        assert row["status"] == status, name
        assert words.lower() in row["error"].lower(), (name, row["error"])
        assert name in row["error"], "the message names the file"
    good = [r for r in rows if r["status"] == "ok"]
    assert len(good) == 3 + 3 + 2
    assert {r["layout"] for r in good} == {"numbered_2013", "decisions_rationales",
                                            "issue_at_dispute"}
    for r in good:
        assert r["decision_stated"] in {"upheld", "overturned"}
    stderr = capsys.readouterr().err
    assert "segmented 11 letters: 8 items" in stderr
    assert "Acupuncture" not in stderr and "rationale" not in stderr.lower()


@pytest.mark.skipif(not SEED.exists(), reason="../shared not present (seed letter)")
def test_console_script_on_the_seed_letter(tmp_path):
    out = tmp_path / "seed.jsonl"
    exe = Path(sys.executable).with_name("imr-ml")
    result = subprocess.run([str(exe), "segment", str(SEED), "--out", str(out)],
                            capture_output=True, text=True, check=True)
    assert "Regarding" not in result.stdout + result.stderr
    rows = _rows(out)
    assert [(r["item_text"], r["decision_stated"]) for r in rows] == [
        ("Twelve sessions of physical therapy for the low back", "upheld"),
        ("One bone scan of the spine", "upheld"),
    ]
    assert [[g["source"] for g in r["guidelines"]] for r in rows] == [["MTUS"], ["ODG"]]
    for r in rows:
        assert r["rationale"].startswith("Regarding the request for")
        assert r["letter_id"] == SEED.stem and r["status"] == "ok" and r["error"] == ""


def test_nothing_readable_exits_non_zero(tmp_path):
    bad = write_all(tmp_path)
    out = tmp_path / "out.jsonl"
    assert main(["segment", str(bad["empty_file"]), str(tmp_path / "nope.txt"),
                 "--out", str(out), "-q"]) == 1
    rows = _rows(out)
    assert [r["status"] for r in rows] == ["error", "error"]
    assert "nope.txt" in rows[1]["error"]


def test_output_is_replaced_only_when_complete(tmp_path, monkeypatch):
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n")

    def boom(*_args, **_kwargs):
        raise RuntimeError("interrupted")

    monkeypatch.setattr("imr_ml.cli.segment_letters", boom)
    with pytest.raises(RuntimeError):
        main(["segment", str(HERE / "letters"), "--out", str(out), "-q"])
    assert out.read_text() == "previous\n"
    assert list(tmp_path.iterdir()) == [out], "no temporary file is left behind"
