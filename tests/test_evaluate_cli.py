"""`imr-ml evaluate --baseline`, the style holdout on the committed sample corpus, and the
halves of the real letters (experiments/PROTOCOL.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from imr_ml.cli import main
from imr_ml.corpus.splits import HELD_BACK, WORKING, letter_styles, real_halves
from imr_ml.corpus.table import read_meta
from imr_ml.training.config import load_config
from imr_ml.training.data import evaluation_parts, holdout_split, load_items

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
CONFIG = ROOT / "configs" / "default.yaml"
REAL = ROOT.parent / "shared" / "real"


def _config():
    return load_config(CONFIG, [f"data.corpora=[{{path: {SAMPLES}, kind: synthetic}}]"])


def test_style_holdout_of_generated_letters_shares_no_style():
    cfg = _config()
    items, meta = load_items(cfg, weak_labels=False)
    split = holdout_split(cfg, items, meta)
    styles = letter_styles(read_meta(SAMPLES))
    train = set(items["letter_id"].iloc[split.train])
    test = set(items["letter_id"].iloc[split.test])
    assert train and test and not train & test
    assert not frozenset().union(*styles[sorted(train)]) & frozenset().union(*styles[sorted(test)])
    assert len(train) + len(test) + split.excluded_letters == 50


def test_evaluate_rules_baseline_prints_tables_and_writes_json(tmp_path, capsys):
    out = tmp_path / "metrics.json"
    assert main(["evaluate", "--baseline", "rules", "--data", str(SAMPLES),
                 "--split", "style-holdout", "--config", str(CONFIG), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "baseline:rules" in printed and "no_functional_improvement" in printed
    saved = json.loads(out.read_text())
    metrics = saved["results"]["baseline:rules"]
    assert saved["split"] == "style-holdout"
    assert 0 <= metrics["reasons_required_micro_f1"] <= 1
    assert metrics["decision_n"] > 0
    assert "95% intervals" in printed
    for name in ("decision_macro_f1", "reasons_required_micro_f1"):
        assert metrics[f"{name}_ci_low"] <= metrics[name] <= metrics[f"{name}_ci_high"]


def test_real_halves_split_sorted_letter_ids_by_position():
    ids = [f"CM16-{n:07d}" for n in range(11)]
    halves = real_halves(reversed(ids))
    assert halves[WORKING] == set(ids[0::2]) and halves[HELD_BACK] == set(ids[1::2])
    assert real_halves(ids + ids[:3]) == halves  # repeats and order change nothing


def _table(kind: str, letters: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"letter_id": [x for x in letters for _ in (0, 1)],
                         "corpus_kind": kind})


def test_evaluation_parts_leave_out_trained_letters_and_split_real_ones():
    letters = [f"L{n}" for n in range(6)]  # working L0 L2 L4, held back L1 L3 L5
    synthetic = evaluation_parts(_table("synthetic", letters), trained=["X"])
    assert list(synthetic) == ["all"] and len(synthetic["all"]) == 12
    real = evaluation_parts(_table("real", letters), trained=[])
    assert list(real) == ["all", WORKING, HELD_BACK]
    assert set(real[HELD_BACK]["letter_id"]) == {"L1", "L3", "L5"}
    trained_on_working = evaluation_parts(_table("real", letters), trained=["L0", "L2", "L4"])
    assert list(trained_on_working) == [HELD_BACK]  # no "all": some letters were left out


def test_a_half_of_synthetic_letters_is_refused(capsys):
    assert main(["evaluate", "--baseline", "rules", "--data", str(SAMPLES),
                 "--split", "held-back", "--config", str(CONFIG)]) == 2
    assert "is a half of real letters" in capsys.readouterr().err


@pytest.mark.shared
@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real is absent")
def test_the_working_half_of_the_real_letters(tmp_path, capsys):
    out = tmp_path / "metrics.json"
    assert main(["evaluate", "--baseline", "rules", "--data", str(REAL), "--split", "working",
                 "--config", str(CONFIG), "--out", str(out)]) == 0
    metrics = json.loads(out.read_text())["results"]["baseline:rules"]
    ids = sorted(p.stem for p in (REAL / "letters").glob("*.pdf"))
    labels = [json.loads(line) for line in (REAL / "labels.jsonl").read_text().splitlines()]
    assert metrics["decision_n"] == sum(row["letter_id"] in ids[0::2] for row in labels)
