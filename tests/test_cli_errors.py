"""The command line's answer to a user's mistake: one line naming the problem, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from imr_ml.cli import main

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "default.yaml"
SAMPLES = ROOT / "data" / "samples"


def _one_line_error(capsys, *words: str) -> None:
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err, err


@pytest.mark.parametrize(("argv", "words"), [
    (["train", "--config", "nowhere.yaml"], ["nowhere.yaml"]),
    (["train", "--config", str(CONFIG), "--set", "nokey"], ["nokey", "key=value"]),
    (["evaluate", "--baseline", "rules", "--data", "nosuch", "--config", str(CONFIG)],
     ["nosuch", "not found"]),
    (["evaluate", "--model", "nowhere", "--data", str(SAMPLES), "--config", str(CONFIG)],
     ["nowhere"]),
    (["explain", "--text", "x", "--model", "nowhere"], ["nowhere"]),
    (["explain", "--text", " "], ["--text is empty"]),
    (["segment", str(SAMPLES), "--out", "items.csv"], ["items.csv", ".jsonl"]),
    (["label", str(SAMPLES), "--out", "labels.csv"], ["labels.csv", ".jsonl"]),
    (["segment", str(SAMPLES), "--out", "/proc/items.jsonl"], ["/proc/items.jsonl"]),
])
def test_user_mistakes_give_one_line_and_exit_2(argv, words, capsys):
    assert main(argv) == 2
    _one_line_error(capsys, *words)


def test_a_bad_config_value_names_the_key(capsys):
    assert main(["train", "--config", str(CONFIG), "--set", "models.decision.C=-1"]) == 2
    err = capsys.readouterr().err
    assert "models.decision.C" in err and "Traceback" not in err


def test_style_holdout_needs_a_synthetic_corpus(tmp_path, capsys):
    real_like = tmp_path / "corpus"
    (real_like / "letters").mkdir(parents=True)
    for letter in sorted((SAMPLES / "letters").glob("*.txt"))[:3]:
        (real_like / "letters" / letter.name).write_bytes(letter.read_bytes())
    labels = (SAMPLES / "labels.jsonl").read_text().splitlines()
    stems = {p.stem for p in (real_like / "letters").iterdir()}
    (real_like / "labels.jsonl").write_text(
        "\n".join(line for line in labels if any(f'"{s}"' in line for s in stems)) + "\n")
    assert main(["evaluate", "--baseline", "majority", "--data", str(real_like),
                 "--config", str(CONFIG), "--split", "style-holdout"]) == 2
    _one_line_error(capsys, "meta.jsonl")


@pytest.mark.parametrize("argv", [
    ["score", "x.txt", "--out", "o.csv", "--timeout", "-1"],
    ["score", "x.txt", "--out", "o.csv", "--workers", "0"],
    ["score", "x.txt", "--out", "o.csv", "--explain", "-2"],
    ["synth", "--letters", "-5", "--out", "x"],
])
def test_out_of_range_numbers_are_refused_by_the_parser(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2 and "is below" in capsys.readouterr().err
